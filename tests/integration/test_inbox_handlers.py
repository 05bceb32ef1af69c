"""The department inbox against real PostgreSQL: isolation, filters, paging, every act.

Tickets are inserted directly (the routing actor that creates them is another slice), in
two counties of this module's own, so the inbox's contents are this module's alone.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import secrets
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from services import localtime
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.departments.model import NoFallbackDepartment
from services.errors import CommunityExists, Forbidden, InvalidInput, TextTooLong
from services.inbox import handlers as inbox
from services.inbox import model, queries
from services.inbox.model import TicketNotFound
from services.matters.model import ReasonRequired
from services.routing.model import IllegalTicketTransition, TicketStatus, overdue_of
from tenants.provisioning import create_community, ensure_county
from tenants.tx import platform_tx

ONE, TWO = "ibxone", "ibxtwo"
EAST, WEST, FAR = "ibx_east", "ibx_west", "ibx_far"
_matters = itertools.count(secrets.randbelow(10_000_000) + 100_000_000)
_departments = itertools.count(1)


# -- arranging ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def world(dbs) -> dict[str, str]:
    """Two counties of our own: ibxone (east, west) and ibxtwo (far), with fallbacks."""
    for county, zh in ((ONE, "收件县一"), (TWO, "收件县二")):
        await ensure_county(county, zh, county.title())
        await department(county, "coordination", fallback=True)
    for slug, county in ((EAST, ONE), (WEST, ONE), (FAR, TWO)):
        with contextlib.suppress(CommunityExists):
            await create_community(slug, f"{slug}社区", county, name_en=slug.title())
    return {"one": ONE, "two": TWO}


async def department(
    county: str, code: str | None = None, *, fallback: bool = False, active: bool = True
) -> str:
    """Insert a department (a fresh code unless given); an existing one is kept."""
    code = code or f"dept{next(_departments)}_{secrets.token_hex(2)}"
    async with platform_tx() as tx:
        await tx.connection.execute(
            "INSERT INTO platform.departments (county_code, code, name_zh, name_en, "
            "is_fallback, active) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            county,
            code,
            f"{code}局",
            f"{code} bureau",
            fallback,
            active,
        )
    return code


async def fallback_of(county: str) -> str:
    async with platform_tx() as tx:
        return await tx.connection.fetchval(
            "SELECT code FROM platform.departments WHERE county_code = $1 AND is_fallback",
            county,
        )


async def ticket(
    county: str,
    dept: str,
    slug: str,
    *,
    status: TicketStatus = TicketStatus.ROUTED,
    resolve_in: timedelta = timedelta(days=20),
    ack_in: timedelta = timedelta(days=2),
    supervised: bool = False,
    matter_id: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Insert a routed ticket as the routing actor would; returns the row."""
    now = datetime.now().astimezone()
    cols = {
        "county_code": county,
        "department_code": dept,
        "community_slug": slug,
        "matter_id": matter_id or next(_matters),
        "sheet_version": 1,
        "matter_number": f"M-{secrets.token_hex(3)}",
        "title": "公交站台太远",
        "description": "老人走到站台要二十分钟",
        "category": "transport",
        "place": "东海路口",
        "grid_name": "第一网格",
        "status": status.value,
        "ack_due_at": now + ack_in,
        "resolve_due_at": now + resolve_in,
        "supervised": supervised,
        **extra,
    }
    if "circumstances" in cols:
        cols["circumstances"] = json.dumps(cols["circumstances"])
    names = ", ".join(cols)
    marks = ", ".join(
        f"${i}::jsonb" if c == "circumstances" else f"${i}" for i, c in enumerate(cols, 1)
    )
    async with platform_tx() as tx:
        row = await tx.connection.fetchrow(
            f"INSERT INTO platform.tickets ({names}) VALUES ({marks}) RETURNING *",
            *cols.values(),
        )
    return dict(row)


async def state(ticket_id: int) -> dict[str, Any]:
    """The ticket row, its event kinds and the outbox rows carrying its events."""
    async with platform_tx() as tx:
        row = await tx.connection.fetchrow(
            "SELECT * FROM platform.tickets WHERE id = $1", ticket_id
        )
        events = await tx.connection.fetch(
            "SELECT id, kind, note, data FROM platform.ticket_events WHERE ticket_id = $1 "
            "ORDER BY id",
            ticket_id,
        )
        outbox = await tx.connection.fetch(
            "SELECT (payload->>'event_id')::bigint AS event_id, community_slug "
            "FROM platform.outbox WHERE topic = 'department.event' "
            "AND (payload->>'event_id')::bigint = ANY($1::bigint[]) ORDER BY id",
            [e["id"] for e in events],
        )
    return {
        "row": dict(row),
        "kinds": [e["kind"] for e in events],
        "events": [dict(e, data=json.loads(e["data"])) for e in events],
        "outbox": [dict(o) for o in outbox],
    }


async def tickets_of_matter(slug: str, matter_id: int) -> list[dict[str, Any]]:
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            "SELECT * FROM platform.tickets WHERE community_slug = $1 AND matter_id = $2 "
            "ORDER BY id",
            slug,
            matter_id,
        )
    return [dict(r) for r in rows]


def officer(county: str, dept: str) -> Principal:
    return Principal(
        f"officer@{dept}",
        frozenset({Role.DEPARTMENT_OFFICER}),
        Scope(ScopeKind.DEPARTMENT, dept, county),
    )


def county_user(role: Role, county: str) -> Principal:
    return Principal(f"{role.value}@{county}", frozenset({role}), Scope(ScopeKind.COUNTY, county))


def community_user(role: Role, slug: str) -> Principal:
    return Principal(f"{role.value}@{slug}", frozenset({role}), Scope(ScopeKind.COMMUNITY, slug))


def ids(page: queries.InboxPage) -> list[int]:
    return [v.ticket.id for v in page.tickets]


# -- the inbox ----------------------------------------------------------------------------


async def test_inbox_shows_only_own_department_across_communities(world):
    """An officer sees their department's tickets from every community of their county only."""
    dept, other = await department(ONE), await department(ONE)
    await department(TWO, dept)  # the same code in the other county is another department
    mine = [await ticket(ONE, dept, EAST), await ticket(ONE, dept, WEST)]
    theirs = await ticket(ONE, other, EAST)
    far = await ticket(TWO, dept, FAR)

    page = await queries.department_inbox(officer(ONE, dept))
    assert sorted(ids(page)) == sorted(t["id"] for t in mine)
    assert page.total_count == 2
    assert ids(await queries.department_inbox(officer(ONE, other))) == [theirs["id"]]
    assert ids(await queries.department_inbox(officer(TWO, dept))) == [far["id"]]


async def test_county_users_see_their_county_and_others_are_forbidden(world):
    """County admins/leaders list every department of their county; community roles cannot."""
    dept = await department(ONE)
    t = await ticket(ONE, dept, WEST)
    far = await ticket(TWO, await department(TWO), FAR)
    for role in (Role.COUNTY_ADMIN, Role.COUNTY_LEADER):
        page = await queries.department_inbox(
            county_user(role, ONE), model.InboxFilter(departments=(dept,))
        )
        assert ids(page) == [t["id"]]
        everything = await queries.department_inbox(county_user(role, ONE), first=200)
        assert far["id"] not in ids(everything)
    for role in (Role.COMMUNITY_CADRE, Role.GRID_WORKER, Role.COUNCIL_MEMBER, Role.RESIDENT):
        with pytest.raises(Forbidden):
            await queries.department_inbox(community_user(role, WEST))


async def test_inbox_filters(world):
    """Status, community, due dates, overdue and supervised filters narrow the inbox."""
    dept = await department(ONE)
    me = officer(ONE, dept)
    soon = await ticket(ONE, dept, EAST, resolve_in=timedelta(days=3))
    later = await ticket(ONE, dept, WEST, resolve_in=timedelta(days=40), supervised=True)
    late = await ticket(ONE, dept, EAST, resolve_in=timedelta(hours=-1))
    ack_late = await ticket(ONE, dept, WEST, ack_in=timedelta(hours=-1))
    done = await ticket(ONE, dept, EAST, status=TicketStatus.DONE, resolve_in=timedelta(-5))
    acked = await ticket(ONE, dept, WEST, status=TicketStatus.ACKNOWLEDGED, ack_in=timedelta(-1))

    async def found(**kw: Any) -> set[int]:
        return set(ids(await queries.department_inbox(me, model.InboxFilter(**kw))))

    assert await found() == {t["id"] for t in (soon, later, late, ack_late, done, acked)}
    assert await found(statuses=(TicketStatus.DONE, TicketStatus.ACKNOWLEDGED)) == {
        done["id"],
        acked["id"],
    }
    assert await found(communities=(WEST,)) == {later["id"], ack_late["id"], acked["id"]}
    # Overdue: open and past the resolve deadline, or still unacknowledged past the ack one.
    assert await found(overdue_only=True) == {late["id"], ack_late["id"]}
    assert await found(supervised_only=True) == {later["id"]}
    today = date.today()
    assert later["id"] not in await found(due_to=today + timedelta(days=30))
    assert await found(due_from=today + timedelta(days=30)) == {later["id"]}
    assert await found(departments=("somebody_else",)) == set()
    with pytest.raises(InvalidInput):
        await found(due_from=today, due_to=today - timedelta(days=1))
    with pytest.raises(InvalidInput):
        await found(communities=("x'; drop",))


async def test_inbox_pages_by_deadline_then_id(world):
    """Pages follow (resolve_due_at, id); totalCount counts all pages; bad cursors refused."""
    dept = await department(ONE)
    me = officer(ONE, dept)
    same = datetime.now().astimezone() + timedelta(days=9)
    made = [
        await ticket(ONE, dept, EAST, resolve_in=timedelta(days=12)),
        await ticket(ONE, dept, WEST, resolve_due_at=same),
        await ticket(ONE, dept, EAST, resolve_due_at=same),
        await ticket(ONE, dept, WEST, resolve_in=timedelta(days=1)),
        await ticket(ONE, dept, EAST, resolve_in=timedelta(days=30)),
    ]
    expected = [t["id"] for t in sorted(made, key=lambda t: (t["resolve_due_at"], t["id"]))]
    seen: list[int] = []
    after = None
    while True:
        page = await queries.department_inbox(me, first=2, after=after)
        assert page.total_count == 5
        seen += ids(page)
        if not page.has_next_page:
            break
        after = page.end_cursor
    assert seen == expected
    with pytest.raises(InvalidInput):
        await queries.department_inbox(me, after="not-a-cursor")
    with pytest.raises(InvalidInput):
        await queries.department_inbox(me, first=0)


async def test_get_ticket_hides_others_tickets_like_missing_ones(world, settings):
    """Another department's ticket and a missing id fail identically (TicketNotFound)."""
    dept, other = await department(ONE), await department(ONE)
    t = await ticket(ONE, dept, EAST, household_address="东海路3号", circumstances=["disability"])
    seen = await queries.get_ticket(officer(ONE, dept), t["id"])
    assert seen.ticket.household_address == "东海路3号"
    assert seen.ticket.circumstances == ["disability"]
    assert seen.community_name_zh == f"{EAST}社区"
    errors = []
    for actor, tid in ((officer(ONE, other), t["id"]), (officer(ONE, dept), 2**62)):
        with pytest.raises(TicketNotFound) as caught:
            await queries.get_ticket(actor, tid)
        errors.append((caught.value.code, caught.value.message_zh, caught.value.message_en))
    assert errors[0] == errors[1]
    with pytest.raises(TicketNotFound):
        await inbox.acknowledge(officer(ONE, other), t["id"], settings)


# -- acts ---------------------------------------------------------------------------------


async def test_every_act_moves_the_ticket_records_an_event_and_queues_it(world, settings):
    """Acknowledge → ask → provide → answer → progress → done: status, event, outbox each."""
    dept = await department(ONE)
    me = officer(ONE, dept)
    t = await ticket(ONE, dept, EAST)
    due = date.today() + timedelta(days=60)
    steps = [
        (lambda: inbox.acknowledge(me, t["id"], settings), "acknowledged", "acknowledged"),
        (
            lambda: inbox.request_info(me, t["id"], "  站台具体位置？ ", settings),
            "info_requested",
            "info_requested",
        ),
        (
            lambda: inbox.provide_info(
                community_user(Role.GRID_WORKER, EAST), t["id"], "东海路口北侧", settings
            ),
            "acknowledged",
            "info_provided",
        ),
        (
            lambda: inbox.answer(me, t["id"], "12月31日前调整站台", settings, due_on=due),
            "answered",
            "answered",
        ),
        (lambda: inbox.report_progress(me, t["id"], "已勘察", settings), "in_progress", "progress"),
        (lambda: inbox.mark_done(me, t["id"], "站台已迁移", settings), "done", "done"),
    ]
    kinds: list[str] = []
    for act, status, kind in steps:
        view = await act()
        kinds.append(kind)
        now = await state(t["id"])
        assert view.ticket.status == now["row"]["status"] == status
        assert now["kinds"] == kinds
        assert [o["event_id"] for o in now["outbox"]] == [e["id"] for e in now["events"]]
        assert {o["community_slug"] for o in now["outbox"]} == {EAST}
        assert [e.kind for e in view.events] == kinds
    final = await state(t["id"])
    assert final["events"][1]["note"] == "站台具体位置？"  # stripped
    assert final["row"]["commitment"] == "12月31日前调整站台"
    assert final["row"]["commitment_due_on"] == due
    assert final["row"]["resolve_due_at"] == localtime.end_of_day(due)
    assert final["events"][3]["data"] == {"due_on": due.isoformat()}


async def test_illegal_acts_are_refused_and_write_nothing(world, settings):
    """Answering before acknowledging, acting on a done ticket, providing unasked: refused."""
    dept = await department(ONE)
    me = officer(ONE, dept)
    fresh = await ticket(ONE, dept, EAST)
    done = await ticket(ONE, dept, EAST, status=TicketStatus.DONE)
    cadre = community_user(Role.COMMUNITY_CADRE, EAST)
    refused = [
        (IllegalTicketTransition, inbox.answer(me, fresh["id"], "好的", settings)),
        (IllegalTicketTransition, inbox.report_progress(me, fresh["id"], "进行中", settings)),
        (IllegalTicketTransition, inbox.mark_done(me, fresh["id"], "完成", settings)),
        (model.InfoNotRequested, inbox.provide_info(cadre, fresh["id"], "材料", settings)),
        (IllegalTicketTransition, inbox.acknowledge(me, done["id"], settings)),
        (IllegalTicketTransition, inbox.reject(me, done["id"], "不是我们的", settings)),
        (IllegalTicketTransition, inbox.request_info(me, done["id"], "？", settings)),
    ]
    for error, coro in refused:
        with pytest.raises(error):
            await coro
    for t in (fresh, done):
        now = await state(t["id"])
        assert now["row"]["status"] == t["status"]
        assert now["kinds"] == [] and now["outbox"] == []
    await inbox.acknowledge(me, fresh["id"], settings)
    with pytest.raises(IllegalTicketTransition) as caught:
        await inbox.acknowledge(me, fresh["id"], settings)
    assert "已签收" in caught.value.message_zh and "acknowledged" in caught.value.message_en


async def test_roles_that_may_read_but_not_act_are_forbidden(world, settings):
    """A county admin cannot acknowledge; a cadre cannot answer; an officer cannot supervise."""
    dept = await department(ONE)
    t = await ticket(ONE, dept, EAST)
    with pytest.raises(Forbidden):
        await inbox.acknowledge(county_user(Role.COUNTY_ADMIN, ONE), t["id"], settings)
    with pytest.raises(Forbidden):
        await inbox.request_info(community_user(Role.COMMUNITY_CADRE, EAST), t["id"], "?", settings)
    with pytest.raises(Forbidden):
        await inbox.supervise(officer(ONE, dept), t["id"], "", settings)
    with pytest.raises(TicketNotFound):
        await inbox.provide_info(community_user(Role.COMMUNITY_CADRE, WEST), t["id"], "x", settings)
    assert (await state(t["id"]))["kinds"] == []


async def test_answer_date_overrides_the_deadline_and_clears_the_overdue_mark(world, settings):
    """A commitment date becomes the deadline; a past date is refused."""
    dept = await department(ONE)
    me = officer(ONE, dept)
    t = await ticket(
        ONE, dept, WEST, status=TicketStatus.ACKNOWLEDGED, resolve_in=timedelta(-2),
        overdue="resolve",
    )  # fmt: skip
    with pytest.raises(InvalidInput):
        await inbox.answer(me, t["id"], "尽快", settings, due_on=date.today() - timedelta(2))
    with pytest.raises(InvalidInput):
        await inbox.answer(me, t["id"], "尽快", settings, due_on=date(2999, 1, 1))
    assert (await state(t["id"]))["kinds"] == []
    due = date.today() + timedelta(days=10)
    view = await inbox.answer(me, t["id"], "十天内修好", settings, due_on=due)
    assert view.ticket.overdue is None
    assert overdue_of(
        view.ticket.status, view.ticket.ack_due_at, view.ticket.resolve_due_at,
        datetime.now().astimezone(),
    ) is None  # fmt: skip
    # Answering again (revising the commitment) is allowed; no date keeps the deadline.
    again = await inbox.answer(me, t["id"], "改为先临时加固", settings)
    assert again.ticket.commitment == "改为先临时加固" and again.ticket.commitment_due_on is None
    assert again.ticket.resolve_due_at == localtime.end_of_day(due)


# -- rejection and re-routing -------------------------------------------------------------


async def test_reject_reroutes_to_the_named_department(world, settings):
    """The old ticket is rejected; a new one for the named department carries the matter."""
    dept, target = await department(ONE), await department(ONE)
    t = await ticket(ONE, dept, EAST, household_address="东海路5号", circumstances=["renting"])
    view = await inbox.reject(officer(ONE, dept), t["id"], " 属于城管职责 ", settings,
                              reroute_to=target)  # fmt: skip
    assert view.ticket.status == "rejected"
    both = await tickets_of_matter(EAST, t["matter_id"])
    assert [x["department_code"] for x in both] == [dept, target]
    new = both[1]
    assert new["status"] == "routed" and new["rerouted_from"] == t["id"]
    for col in ("sheet_version", "matter_number", "title", "household_address", "county_code"):
        assert new[col] == t[col]
    assert json.loads(new["circumstances"]) == ["renting"]
    assert new["resolve_due_at"] - new["created_at"] == pytest.approx(
        t["resolve_due_at"] - t["created_at"], abs=timedelta(seconds=5)
    )
    old_state, new_state = await state(t["id"]), await state(new["id"])
    assert old_state["kinds"] == ["rejected"] and new_state["kinds"] == ["rerouted"]
    assert old_state["events"][0]["note"] == "属于城管职责"
    assert old_state["events"][0]["data"] == {"rerouted_to": target, "new_ticket_id": new["id"]}
    assert new_state["events"][0]["data"] == {"from_ticket_id": t["id"], "from_department": dept}
    assert len(old_state["outbox"]) == 1 and len(new_state["outbox"]) == 1
    assert ids(await queries.department_inbox(officer(ONE, target))) == [new["id"]]
    with pytest.raises(TicketNotFound):  # the rejecting department no longer sees it
        await queries.get_ticket(officer(ONE, dept), new["id"])


async def test_reject_without_a_target_goes_to_the_fallback_office(world, settings):
    """No department named: the county's fallback (coordination office) gets it."""
    dept = await department(ONE)
    t = await ticket(ONE, dept, WEST, supervised=True, supervised_by="admin@ibxone")
    await inbox.reject(officer(ONE, dept), t["id"], "不属于本部门", settings)
    both = await tickets_of_matter(WEST, t["matter_id"])
    fallback = await fallback_of(ONE)
    assert [x["department_code"] for x in both] == [dept, fallback]
    assert both[1]["supervised"] is True  # supervision follows the matter
    # The fallback office itself must name a department.
    with pytest.raises(model.CannotRerouteToSelf):
        await inbox.reject(officer(ONE, fallback), both[1]["id"], "不是我们", settings)


async def test_reject_refusals_leave_everything_as_it_was(world, settings):
    """Self, unknown, inactive, foreign-county, taken targets and empty reasons write nothing."""
    dept, taken = await department(ONE), await department(ONE)
    inactive = await department(ONE, active=False)
    only_far = await department(TWO)
    t = await ticket(ONE, dept, EAST)
    await ticket(ONE, taken, EAST, matter_id=t["matter_id"])  # a matter routed to two
    me = officer(ONE, dept)
    cases = [
        (model.CannotRerouteToSelf, dept, "理由"),
        (model.DepartmentNotFound, "no_such_department", "理由"),
        (model.DepartmentNotFound, "Bad Code!", "理由"),
        (model.DepartmentNotFound, inactive, "理由"),
        (model.DepartmentNotFound, only_far, "理由"),
        (model.TicketAlreadyRouted, taken, "理由"),
        (ReasonRequired, taken, "   "),
    ]
    for error, target, reason in cases:
        with pytest.raises(error):
            await inbox.reject(me, t["id"], reason, settings, reroute_to=target)
    assert len(await tickets_of_matter(EAST, t["matter_id"])) == 2
    now = await state(t["id"])
    assert now["row"]["status"] == "routed" and now["kinds"] == [] and now["outbox"] == []


async def test_reject_in_a_county_without_fallback_is_refused(world, settings):
    """No fallback office and no department named: NoFallbackDepartment, nothing written."""
    county = f"ibxnf{secrets.token_hex(2)}"
    await ensure_county(county, "无兜底县")
    dept = await department(county)
    t = await ticket(county, dept, EAST)
    with pytest.raises(NoFallbackDepartment):
        await inbox.reject(officer(county, dept), t["id"], "不是我们", settings)
    assert (await state(t["id"]))["row"]["status"] == "routed"


async def test_a_failure_late_in_a_rejection_rolls_all_of_it_back(world, settings, monkeypatch):
    """If the last step of a rejection fails, no new ticket, no event, no outbox row remain."""
    dept, target = await department(ONE), await department(ONE)
    t = await ticket(ONE, dept, EAST)

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the flow-back could not be queued")

    monkeypatch.setattr(inbox, "record_ticket_event_in_tx", broken)
    with pytest.raises(RuntimeError):
        await inbox.reject(officer(ONE, dept), t["id"], "理由", settings, reroute_to=target)
    assert len(await tickets_of_matter(EAST, t["matter_id"])) == 1
    now = await state(t["id"])
    assert now["row"]["status"] == "routed" and now["kinds"] == [] and now["outbox"] == []


# -- supervision --------------------------------------------------------------------------


async def test_county_admin_supervises_and_lifts(world, settings):
    """督办: the flag, an event with {"on": ...} and its outbox row; lifting clears it."""
    dept = await department(ONE)
    t = await ticket(ONE, dept, WEST)
    admin = county_user(Role.COUNTY_ADMIN, ONE)
    view = await inbox.supervise(admin, t["id"], "请加快办理", settings)
    assert view.ticket.supervised is True and view.ticket.supervised_by == admin.subject
    assert view.ticket.supervision_note == "请加快办理"
    page = await queries.department_inbox(
        officer(ONE, dept), model.InboxFilter(supervised_only=True)
    )
    assert ids(page) == [t["id"]]
    lifted = await inbox.supervise(admin, t["id"], "", settings, on=False)
    assert lifted.ticket.supervised is False and lifted.ticket.supervised_by is None
    now = await state(t["id"])
    assert now["kinds"] == ["supervised", "supervised"]
    assert [e["data"] for e in now["events"]] == [{"on": True}, {"on": False}]
    assert len(now["outbox"]) == 2


async def test_supervision_is_for_the_tickets_county_admin_and_open_tickets(world, settings):
    """Other county's admin: not found; a leader: forbidden; a done ticket: TicketClosed."""
    dept = await department(ONE)
    t = await ticket(ONE, dept, EAST)
    done = await ticket(ONE, dept, EAST, status=TicketStatus.DONE)
    with pytest.raises(TicketNotFound):
        await inbox.supervise(county_user(Role.COUNTY_ADMIN, TWO), t["id"], "", settings)
    with pytest.raises(Forbidden):
        await inbox.supervise(county_user(Role.COUNTY_LEADER, ONE), t["id"], "", settings)
    with pytest.raises(model.TicketClosed):
        await inbox.supervise(county_user(Role.COUNTY_ADMIN, ONE), done["id"], "", settings)
    assert (await state(t["id"]))["kinds"] == [] and (await state(done["id"]))["kinds"] == []


# -- text limits --------------------------------------------------------------------------


async def test_text_limits_come_from_settings(world, settings):
    """Notes obey max_note_length, answers max_text_length; at the limit is fine."""
    tight = settings.with_overrides(max_note_length=10, max_text_length=20)
    dept = await department(ONE)
    me = officer(ONE, dept)
    t = await ticket(ONE, dept, EAST, status=TicketStatus.ACKNOWLEDGED)
    with pytest.raises(TextTooLong) as caught:
        await inbox.request_info(me, t["id"], "问" * 11, tight)
    assert "询问内容" in caught.value.message_zh and "10" in caught.value.message_en
    with pytest.raises(TextTooLong):
        await inbox.answer(me, t["id"], "答" * 21, tight)
    with pytest.raises(TextTooLong):
        await inbox.reject(me, t["id"], "因" * 11, tight)
    with pytest.raises(TextTooLong):
        await inbox.supervise(county_user(Role.COUNTY_ADMIN, ONE), t["id"], "督" * 11, tight)
    with pytest.raises(InvalidInput):
        await inbox.request_info(me, t["id"], "   ", tight)
    assert (await state(t["id"]))["kinds"] == []
    await inbox.answer(me, t["id"], "答" * 20, tight)
    await inbox.report_progress(me, t["id"], "进" * 10, tight)
    assert (await state(t["id"]))["kinds"] == ["answered", "progress"]

"""Joint meetings on real PostgreSQL: convene, agenda, outcomes on tickets, visibility, errors."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from services.api.kit.loaders import Loaders
from services.api.kit.request import SanshiContext
from services.api.schema import build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.errors import CommunityNotFound, Forbidden, InvalidInput, TextTooLong
from services.localtime import TIME_ZONE, end_of_day
from services.meetings import handlers as m
from services.meetings import model, queries
from services.settings import Settings
from tenants.provisioning import create_community, ensure_county
from tenants.tx import platform_tx

# A county of this module's own: its departments and tickets do not show up in other
# slices' tests of the shared test county (which count departments, audit rows, tickets).
COUNTY = "meetcounty"
EAST, WEST = "mt_east", "mt_west"
TODAY = datetime.now(TIME_ZONE).date()
YEAR_END = date(TODAY.year, 12, 31)


def _s() -> Settings:
    """The settings the handlers get (the defaults: limits of 100/1000/2000 characters)."""
    return Settings()


def person(role: Role, where: str = EAST) -> Principal:
    """A principal of ``role``: in community ``where``, the test county, or department ``where``."""
    if role is Role.DEPARTMENT_OFFICER:
        scope = Scope(ScopeKind.DEPARTMENT, where, COUNTY)
    elif role in {Role.COUNTY_ADMIN, Role.COUNTY_LEADER}:
        scope = Scope(ScopeKind.COUNTY, COUNTY)
    else:
        scope = Scope(ScopeKind.COMMUNITY, where)
    return Principal(f"{role.value}-{where}", frozenset({role}), scope)


async def add_department(code: str, name_zh: str, name_en: str, *, active: bool = True) -> None:
    """A county department row (tests do not wait for the routing slice's defaults)."""
    async with platform_tx() as tx:
        await tx.connection.execute(
            "INSERT INTO platform.departments (county_code, code, name_zh, name_en, active) "
            "VALUES ($1, $2, $3, $4, $5)",
            COUNTY,
            code,
            name_zh,
            name_en,
            active,
        )


async def add_ticket(slug: str, department: str, title: str, status: str = "routed") -> int:
    """A routed ticket inserted directly (as routing would leave it), returning its id."""
    now = datetime.now(TIME_ZONE)
    async with platform_tx() as tx:
        return await tx.connection.fetchval(
            "INSERT INTO platform.tickets (county_code, department_code, community_slug, "
            "matter_id, sheet_version, matter_number, title, description, category, status, "
            "ack_due_at, resolve_due_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, 'transport', "
            "$8, $9, $10) RETURNING id",
            COUNTY,
            department,
            slug,
            secrets.randbelow(2**30),
            f"M-{secrets.token_hex(3)}",
            title,
            f"{title}（描述）",
            status,
            now + timedelta(days=2),
            now + timedelta(days=21),
        )


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of a platform query."""
    async with platform_tx() as tx:
        return [dict(r) for r in await tx.connection.fetch(sql, *args)]


@dataclass
class World:
    """Departments of the module's county and tickets of both its communities."""

    transport: str
    urban: str
    water: str
    bus_stop: int  # east, transport, acknowledged: the bus-stop case
    eaves: int  # east, urban management, still routed
    done: int  # east, transport, done
    west_ticket: int  # the other community's, transport


@pytest.fixture(scope="module")
async def world(dbs) -> World:
    a, b = EAST, WEST
    await ensure_county(COUNTY, "会议测试县", "Meeting Test County")
    for slug, name_zh, name_en in ((a, "东海社区", "Donghai"), (b, "西海社区", "Xihai")):
        await create_community(slug, name_zh, COUNTY, name_en=name_en)
    tag = secrets.token_hex(3)
    transport, urban, water = f"tr_{tag}", f"um_{tag}", f"wa_{tag}"
    await add_department(transport, "交通运输局", "Transport Bureau")
    await add_department(urban, "综合行政执法局（城管）", "Urban Management")
    await add_department(water, "水利局", "Water Resources Bureau")
    return World(
        transport,
        urban,
        water,
        bus_stop=await add_ticket(a, transport, "公交站东移", "acknowledged"),
        eaves=await add_ticket(a, urban, "屋檐下违建"),
        done=await add_ticket(a, transport, "已办结的事", "done"),
        west_ticket=await add_ticket(b, transport, "乙社区的事"),
    )


@pytest.fixture(scope="module")
def gql(settings):
    """Run a document as ``principal``; returns (data, errors)."""
    schema = build_schema(settings)

    async def run(principal: Principal | None, query: str, **variables: Any):
        ctx = SanshiContext(
            settings=settings, request_id="test", principal=principal, loaders=Loaders()
        )
        result = await schema.execute(query, variable_values=variables, context_value=ctx)
        return result.data, result.errors

    return run


CONVENE = """
mutation($c: String!, $in: ConveneJointMeetingInput!) {
  conveneJointMeeting(community: $c, input: $in) {
    __typename
    ... on JointMeeting { id status heldOn place community { slug nameZh }
      departments { code nameZh nameEn attended } townCadres { name role }
      volunteerLeaders { name role } residents { name role } }
    ... on Error { code message messageEn }
  }
}"""
AGENDA = """
mutation($id: ID!, $t: [ID!]) {
  setJointMeetingAgenda(meetingId: $id, ticketIds: $t) {
    __typename
    ... on JointMeeting { departments { code } items { id ticket { id status } outcome } }
    ... on Error { code message messageEn }
  }
}"""
OUTCOME = """
mutation($id: ID!, $in: JointMeetingOutcomeInput!) {
  recordJointMeetingOutcome(itemId: $id, input: $in) {
    __typename
    ... on JointMeetingItem { outcome commitment commitmentDueOn minutes
      ticket { id status commitment commitmentDueOn resolveDueAt } }
    ... on Error { code message messageEn }
  }
}"""
LIST = """
query($c: String) { jointMeetings(community: $c) { id items { ticket { id } } } }"""


def _convene_input(w: World, **over: Any) -> dict[str, Any]:
    base = {
        "heldOn": TODAY.isoformat(),
        "place": "东海社区党群服务中心",
        "title": "东海社区第一次联席会议",
        "departments": [w.transport],
        "townCadres": [{"name": "李镇长", "role": "副镇长"}],
        "volunteerLeaders": [{"name": "陈队长", "role": "金色港湾义工队"}],
        "residents": [{"name": "王阿婆", "role": "公交站附近居民"}],
    }
    return base | over


async def test_bus_stop_commitment_at_joint_meeting(gql, world):
    """Convene → agenda → commitment 'by 31 December' → ticket answered, event, outbox row."""
    cadre = person(Role.COMMUNITY_CADRE)
    data, errors = await gql(cadre, CONVENE, c=EAST, **{"in": _convene_input(world)})
    assert errors is None, errors
    meeting = data["conveneJointMeeting"]
    assert meeting["__typename"] == "JointMeeting", meeting
    assert meeting["status"] == "PLANNED"
    assert meeting["community"] == {"slug": EAST, "nameZh": "东海社区"}
    assert meeting["departments"] == [
        {
            "code": world.transport,
            "nameZh": "交通运输局",
            "nameEn": "Transport Bureau",
            "attended": None,
        }
    ]
    assert meeting["residents"] == [{"name": "王阿婆", "role": "公交站附近居民"}]

    data, errors = await gql(
        cadre, AGENDA, id=meeting["id"], t=[str(world.bus_stop), str(world.eaves)]
    )
    assert errors is None, errors
    agenda = data["setJointMeetingAgenda"]
    assert [i["ticket"]["id"] for i in agenda["items"]] == [
        str(world.bus_stop),
        str(world.eaves),
    ]
    # The eaves ticket's department (urban management) was invited with its ticket.
    assert {d["code"] for d in agenda["departments"]} == {world.transport, world.urban}

    item = agenda["items"][0]["id"]
    commitment = "adjust the stop by 31 December / 年底前调整站点"
    data, errors = await gql(
        cadre,
        OUTCOME,
        id=item,
        **{
            "in": {
                "outcome": "COMMITMENT",
                "minutes": "交通局局长当面答复：已列入计划，年底前完成。",
                "commitment": commitment,
                "commitmentDueOn": YEAR_END.isoformat(),
            }
        },
    )
    assert errors is None, errors
    out = data["recordJointMeetingOutcome"]
    assert out["__typename"] == "JointMeetingItem", out
    assert out["outcome"] == "COMMITMENT"
    assert out["ticket"]["status"] == "answered"
    assert out["ticket"]["commitmentDueOn"] == YEAR_END.isoformat()

    [ticket] = await fetch("SELECT * FROM platform.tickets WHERE id = $1", world.bus_stop)
    assert ticket["status"] == "answered"
    assert ticket["commitment"] == commitment
    assert ticket["commitment_due_on"] == YEAR_END
    assert ticket["resolve_due_at"] == end_of_day(YEAR_END)
    events = await fetch(
        "SELECT id, kind, actor, data FROM platform.ticket_events WHERE ticket_id = $1",
        world.bus_stop,
    )
    assert [e["kind"] for e in events] == ["meeting_outcome"]
    event = events[0]
    assert event["actor"] == cadre.subject
    payload = json.loads(event["data"])
    assert payload["outcome"] == "commitment"
    assert payload["commitment_due_on"] == YEAR_END.isoformat()
    assert payload["meeting_id"] == int(meeting["id"])
    rows = await fetch(
        "SELECT community_slug, payload FROM platform.outbox WHERE topic = 'department.event' "
        "AND (payload->>'event_id')::bigint = $1",
        event["id"],
    )
    assert [r["community_slug"] for r in rows] == [EAST]

    # A routed ticket answered at the table is acknowledged first, then answered.
    data, _ = await gql(
        cadre, OUTCOME, id=agenda["items"][1]["id"], **{"in": {"outcome": "ANSWERED"}}
    )
    assert data["recordJointMeetingOutcome"]["ticket"]["status"] == "answered"
    kinds = await fetch(
        "SELECT kind FROM platform.ticket_events WHERE ticket_id = $1 ORDER BY id", world.eaves
    )
    assert [k["kind"] for k in kinds] == ["acknowledged", "meeting_outcome"]

    # One outcome per item.
    data, _ = await gql(cadre, OUTCOME, id=item, **{"in": {"outcome": "ANSWERED"}})
    assert data["recordJointMeetingOutcome"]["code"] == "JOINT_MEETING_ITEM_DECIDED"


async def test_follow_up_and_referred_keep_the_ticket(world):
    """Needs follow-up / referred record an event and leave the ticket's status alone."""
    cadre = person(Role.COMMUNITY_CADRE)
    ticket = await add_ticket(EAST, world.water, "排水不畅")
    view = await m.convene_meeting(
        cadre, EAST, model.ConveneInput(TODAY, "社区会议室", departments=[world.water]), _s()
    )
    meeting_id = view.meeting.id
    view = await m.set_agenda(cadre, meeting_id, [ticket])
    item = await m.record_outcome(
        cadre,
        view.items[0].item.id,
        model.OutcomeInput(model.Outcome.NEEDS_FOLLOW_UP, "会后现场查看"),
        _s(),
    )
    assert item.item.outcome == "needs_follow_up"
    assert item.ticket.status == "routed"
    events = await fetch(
        "SELECT kind, note FROM platform.ticket_events WHERE ticket_id = $1", ticket
    )
    assert events == [{"kind": "meeting_outcome", "note": "会后现场查看"}]


async def test_agenda_of_all_pending_major_matters(world):
    """No ticket list: the agenda is every open ticket of the community, no one else's."""
    cadre = person(Role.COMMUNITY_CADRE)
    view = await m.convene_meeting(cadre, EAST, model.ConveneInput(TODAY, "会议室"), _s())
    view = await m.set_agenda(cadre, view.meeting.id)
    on_agenda = {i.item.ticket_id for i in view.items}
    open_east = await fetch(
        "SELECT id FROM platform.tickets WHERE community_slug = $1 "
        "AND status NOT IN ('done', 'rejected', 'cancelled')",
        EAST,
    )
    assert on_agenda == {r["id"] for r in open_east}
    assert world.done not in on_agenda and world.west_ticket not in on_agenda
    # Narrowing the agenda drops undecided items.
    view = await m.set_agenda(cadre, view.meeting.id, [world.eaves])
    assert [i.item.ticket_id for i in view.items] == [world.eaves]


async def test_visibility_per_role(gql, world):
    """Invited departments see it (own items only); other departments and communities do not."""
    cadre = person(Role.COMMUNITY_CADRE)
    view = await m.convene_meeting(
        cadre, EAST, model.ConveneInput(TODAY, "会议室", departments=[world.transport]), _s()
    )
    mid = view.meeting.id
    await m.set_agenda(cadre, mid, [world.bus_stop, world.eaves])  # invites urban too

    async def seen(p: Principal) -> dict[str, list[str]]:
        data, errors = await gql(p, LIST, c=None)
        assert errors is None, errors
        return {x["id"]: [i["ticket"]["id"] for i in x["items"]] for x in data["jointMeetings"]}

    transport = await seen(person(Role.DEPARTMENT_OFFICER, world.transport))
    assert transport[str(mid)] == [str(world.bus_stop)]  # not urban management's ticket
    urban = await seen(person(Role.DEPARTMENT_OFFICER, world.urban))
    assert urban[str(mid)] == [str(world.eaves)]
    assert str(mid) not in await seen(person(Role.DEPARTMENT_OFFICER, world.water))
    assert str(mid) not in await seen(person(Role.COMMUNITY_CADRE, WEST))
    assert str(mid) not in await seen(person(Role.RESIDENT))
    assert len((await seen(person(Role.COUNTY_LEADER)))[str(mid)]) == 2
    assert len((await seen(cadre))[str(mid)]) == 2

    one = "query($id: ID!) { jointMeeting(id: $id) { id } }"
    data, _ = await gql(person(Role.DEPARTMENT_OFFICER, world.water), one, id=str(mid))
    assert data["jointMeeting"] is None
    data, _ = await gql(person(Role.DEPARTMENT_OFFICER, world.urban), one, id=str(mid))
    assert data["jointMeeting"] == {"id": str(mid)}

    community = "query($s: String!) { community(slug: $s) { jointMeetings { id } } }"
    data, errors = await gql(cadre, community, s=EAST)
    assert errors is None, errors
    assert str(mid) in {x["id"] for x in data["community"]["jointMeetings"]}


async def _count(table: str) -> int:
    return (await fetch(f"SELECT count(*) AS n FROM platform.{table}"))[0]["n"]


async def test_bad_input_is_typed_and_writes_nothing(gql, world):
    """Unknown department, foreign or closed ticket, long text, wrong role: nothing written."""
    cadre = person(Role.COMMUNITY_CADRE)
    before = await _count("joint_meetings"), await _count("joint_meeting_departments")

    async def convene(p: Principal, **over: Any) -> dict[str, Any]:
        data, errors = await gql(p, CONVENE, c=EAST, **{"in": _convene_input(world, **over)})
        assert errors is None, errors
        return data["conveneJointMeeting"]

    out = await convene(cadre, departments=[world.transport, "no_such_dept"])
    assert out["code"] == "JOINT_MEETING_UNKNOWN_DEPARTMENT" and "no_such_dept" in out["message"]
    assert (await convene(cadre, title="长" * 101))["code"] == "TEXT_TOO_LONG"
    assert (await convene(cadre, place=" "))["code"] == "INVALID_INPUT"
    big = [{"name": "居民"}] * (model.MAX_PARTICIPANTS + 1)
    assert (await convene(cadre, residents=big))["code"] == "INVALID_INPUT"
    assert (await convene(person(Role.GRID_WORKER)))["code"] == "FORBIDDEN"
    assert (await convene(person(Role.COMMUNITY_CADRE, WEST)))["code"] == "COMMUNITY_NOT_FOUND"
    assert (await convene(None))["code"] == "UNAUTHENTICATED"
    assert (await _count("joint_meetings"), await _count("joint_meeting_departments")) == before

    view = await m.convene_meeting(cadre, EAST, model.ConveneInput(TODAY, "会议室"), _s())
    mid = str(view.meeting.id)
    items_before = await _count("joint_meeting_items")
    for tickets, code in (
        ([world.eaves, world.west_ticket], "JOINT_MEETING_TICKET_NOT_FOUND"),
        ([world.eaves, world.done], "JOINT_MEETING_TICKET_CLOSED"),
        (["x"], "JOINT_MEETING_TICKET_NOT_FOUND"),
    ):
        data, _ = await gql(cadre, AGENDA, id=mid, t=[str(t) for t in tickets])
        assert data["setJointMeetingAgenda"]["code"] == code
    data, _ = await gql(person(Role.COMMUNITY_CADRE, WEST), AGENDA, id=mid, t=None)
    assert data["setJointMeetingAgenda"]["code"] == "JOINT_MEETING_NOT_FOUND"
    data, _ = await gql(person(Role.COUNTY_ADMIN), AGENDA, id=mid, t=None)
    assert data["setJointMeetingAgenda"]["code"] == "FORBIDDEN"
    assert await _count("joint_meeting_items") == items_before


async def test_cancelled_meeting_takes_no_outcome(gql, world):
    """An outcome on a cancelled meeting is JOINT_MEETING_CLOSED and the ticket is untouched."""
    cadre = person(Role.COMMUNITY_CADRE)
    ticket = await add_ticket(EAST, world.transport, "路灯不亮", "acknowledged")
    view = await m.convene_meeting(cadre, EAST, model.ConveneInput(TODAY, "会议室"), _s())
    view = await m.set_agenda(cadre, view.meeting.id, [ticket])
    with pytest.raises(TextTooLong):
        await m.cancel_meeting(cadre, view.meeting.id, "长" * 1001, _s())
    with pytest.raises(InvalidInput):
        await m.cancel_meeting(cadre, view.meeting.id, "  ", _s())
    cancelled = await m.cancel_meeting(cadre, view.meeting.id, "台风停会 / typhoon", _s())
    assert cancelled.meeting.status == "cancelled"
    data, errors = await gql(
        cadre,
        OUTCOME,
        id=str(view.items[0].item.id),
        **{"in": {"outcome": "ANSWERED", "minutes": "x"}},
    )
    assert errors is None, errors
    err = data["recordJointMeetingOutcome"]
    assert err["code"] == "JOINT_MEETING_CLOSED" and "已取消" in err["message"]
    [row] = await fetch("SELECT status FROM platform.tickets WHERE id = $1", ticket)
    assert row["status"] == "acknowledged"
    assert await fetch("SELECT id FROM platform.ticket_events WHERE ticket_id = $1", ticket) == []
    with pytest.raises(model.JointMeetingClosed):
        await m.mark_held(cadre, view.meeting.id, [])


async def test_mark_held_with_attendance(world):
    """Held: invited departments get attended true/false; uninvited ones are refused."""
    cadre = person(Role.COMMUNITY_CADRE)
    view = await m.convene_meeting(
        cadre,
        EAST,
        model.ConveneInput(TODAY, "会议室", departments=[world.transport, world.urban]),
        _s(),
    )
    mid = view.meeting.id
    with pytest.raises(InvalidInput):
        await m.mark_held(cadre, mid, [world.water])
    with pytest.raises(Forbidden):
        await m.mark_held(person(Role.DEPARTMENT_OFFICER, world.transport), mid, [])
    with pytest.raises(model.JointMeetingNotFound):
        await m.mark_held(person(Role.DEPARTMENT_OFFICER, world.water), mid, [])
    held = await m.mark_held(cadre, mid, [world.transport])
    assert held.meeting.status == "held"
    assert {d.code: d.attended for d in held.departments} == {
        world.transport: True,
        world.urban: False,
    }
    with pytest.raises(model.JointMeetingClosed):
        await m.cancel_meeting(cadre, mid, "太晚了", _s())
    with pytest.raises(CommunityNotFound):
        await queries.community_meetings(person(Role.COMMUNITY_CADRE, WEST), EAST)

"""Acceptance of issue 4: major matters (大事) reach county departments, end to end over HTTP.

Real processes: the API (uvicorn, tests/e2e/conftest.py) and a real `sanshi worker` — the
outbox relay, the Dramatiq routing actors and the scheduler run there — on real Redis (a
namespace of this module's own) and the run's PostgreSQL database. Every act is done over
GraphQL by the role that does it, with its own token: the grid worker registers, council
members vote, the cadre decides and convenes the joint meeting, department officers act
with department-scoped tokens, the county administrator sets deadlines and supervises.

The county is created as a platform operator creates one (``create_county``: the default
departments, rules and deadline policies); the community is built over the API with the
triage acceptance's helpers. The only write that bypasses the API is in the overdue test:
the clock cannot be moved for the API and worker processes, so the ticket's acknowledgement
deadline is moved back by the time that would have passed (see that test).

Waits poll the API with a deadline (never a bare sleep); each test prints its timings.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis

from services.auth.model import SYSTEM, Role, Scope, ScopeKind
from services.auth.tokens import issue_token
from services.communities.handlers import create_county
from services.departments.model import due_at
from services.settings import Settings
from tenants.tx import platform_tx
from tests.e2e.test_triage_acceptance import Api, Community, build_community, council_decides

ROOT = Path(__file__).resolve().parents[2]
SANSHI = str(Path(sys.executable).parent / "sanshi")
SHANGHAI = ZoneInfo("Asia/Shanghai")
WAIT_S = 30.0  # the longest any step may take to show (routing, flow back, overdue job)
OPEN = ["ROUTED", "ACKNOWLEDGED", "INFO_REQUESTED", "ANSWERED", "IN_PROGRESS"]
HOUSEHOLDS = {
    "bus": (0, "沙河路86号", [], None),
    "eaves": (0, "外湾弄14号", [], None),
    "road": (0, "渔港路9号", [], None),
    "shelter": (0, "人民路5号", [], None),
    "dogs": (0, "望海巷7号", [], None),
    "wires": (0, "菜园路21号", [], None),
}


# -- the worker process ----------------------------------------------------------------------


@dataclass
class Worker:
    """The running `sanshi worker`: its process, log and Redis namespace."""

    process: subprocess.Popen[bytes]
    log_path: Path
    namespace: str

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def worker_env(settings: Settings, namespace: str) -> dict[str, str]:
    """The run's database and Redis, this module's namespace, a fast relay and scheduler."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SANSHI_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DATABASE_URL=settings.database_url or "",
        REDIS_URL=settings.redis_url or "",
        SANSHI_REDIS_NAMESPACE=namespace,
        SANSHI_ENV="test",
        SANSHI_DB_POOL_MAX="4",
        SANSHI_OUTBOX_POLL_S="0.05",
        SANSHI_SCHEDULER_INTERVAL_S="1",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="module")
def worker(settings: Settings, e2e_data, tmp_path_factory) -> Iterator[Worker]:
    """A real `sanshi worker` (relay + actors + scheduler), stopped and its keys removed after."""
    namespace = f"{settings.redis_namespace}:racc{secrets.token_hex(3)}"
    log_path = tmp_path_factory.mktemp("routing_worker") / "worker.log"
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            [SANSHI, "worker", "--threads", "4", "--shutdown-timeout", "5"],
            cwd=ROOT,
            env=worker_env(settings, namespace),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    w = Worker(process, log_path, namespace)
    try:
        started = time.monotonic()
        while "worker started" not in w.log():
            if process.poll() is not None or time.monotonic() - started > 60:
                raise RuntimeError(f"the worker did not start:\n{w.log()[-4000:]}")
            time.sleep(0.05)  # startup poll, bounded above
        print(f"\nsanshi worker ready in {time.monotonic() - started:.2f} s")
        yield w
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        client = redis.Redis.from_url(settings.redis_url)
        keys = list(client.scan_iter(match=f"{namespace}*"))
        if keys:
            client.delete(*keys)
        client.close()


# -- the county, the community and the people -----------------------------------------------


class RoutingApi(Api):
    """The triage acceptance's Api, in this module's county, with the routing documents.

    ``build_community`` creates its community in the triage tests' county under a test
    name; here ``createCommunity`` is sent for 东海社区 of this module's county instead.
    """

    def __init__(self, gql: Callable[..., Any], operation: Callable[[str], str], county: str):
        super().__init__(gql, operation)
        self.county = county

    async def __call__(self, name: str, token: str, **variables: Any) -> Any:
        if name == "createCommunity":
            variables["input"] = variables["input"] | {
                "county": self.county,
                "nameZh": "东海社区",
                "nameEn": "Donghai",
            }
        if name != "matterRoutes":
            return await super().__call__(name, token, **variables)
        r = await self.gql(self.operation(name), variables, bearer=token)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body.get("errors") is None, body
        return body["data"]["community"]["matter"]


@dataclass
class World:
    api: RoutingApi
    county: str
    admin: str  # the county administrator's token
    c: Community
    settings: Settings

    def officer(self, department: str) -> str:
        """A department-scoped token of an officer of ``department`` (this county)."""
        return issue_token(
            self.settings,
            subject=f"{department}.officer",
            roles=[Role.DEPARTMENT_OFFICER],
            scope=Scope(ScopeKind.DEPARTMENT, department, self.county),
        )


@pytest.fixture(scope="module")
async def world(gql, operation, settings, e2e_data, worker) -> World:
    """嵊泗县 with its default departments, and 东海社区 built over the API (council of 3)."""
    county = f"racc{secrets.token_hex(3)}"
    assert await create_county(SYSTEM, county, "嵊泗县", "Shengsi County") is True
    admin = issue_token(
        settings,
        subject=f"{county}.admin",
        roles=[Role.COUNTY_ADMIN],
        scope=Scope(ScopeKind.COUNTY, county),
    )
    api = RoutingApi(gql, operation, county)
    c = await build_community(api, settings, admin, grids=1, households=HOUSEHOLDS)
    return World(api, county, admin, c, settings)


# -- acts and waits --------------------------------------------------------------------------


async def until(
    fetch: Callable[[], Awaitable[Any]], ok: Callable[[Any], bool], what: str, worker: Worker
) -> tuple[Any, float]:
    """Poll ``fetch`` until ``ok`` holds (at most WAIT_S); returns the value and seconds taken."""
    started = time.monotonic()
    while True:
        value = await fetch()
        if ok(value):
            return value, time.monotonic() - started
        if time.monotonic() - started > WAIT_S:
            raise AssertionError(
                f"timed out after {WAIT_S}s waiting for {what}; last: {value}\n"
                f"worker log:\n{worker.log()[-3000:]}"
            )
        await asyncio.sleep(0.05)


async def decided_major(w: World, household: str, category: str, title: str, **extra) -> dict:
    """The grid worker registers a request and the council (3 votes) decides it is major."""
    m = await w.api(
        "registerRequest",
        w.c.workers[0],
        community=w.c.slug,
        input={
            "householdId": w.c.households[household],
            "channel": "HOME_VISIT",
            "category": category,
            "title": title,
            "description": extra.pop("description", title),
            "occurredOn": "2026-03-01",
        }
        | extra,
    )
    assert m["__typename"] == "Matter", m
    d = await council_decides(w.api, w.c, m, "MAJOR")
    assert (d["kind"], d["responsible"]) == ("MAJOR", "county_departments"), d
    return m


async def inbox(w: World, department: str, **filter: Any) -> list[dict]:
    """The department officer's inbox, limited to this module's community."""
    page = await w.api(
        "departmentInbox",
        w.officer(department),
        filter={"communities": [w.c.slug]} | filter,
        first=200,
    )
    return page["items"]


async def ticket_of(w: World, department: str, matter_id: str, worker: Worker, **flt) -> dict:
    """Wait until ``department``'s inbox holds a ticket of the matter; return it."""
    items, took = await until(
        lambda: inbox(w, department, **flt),
        lambda items: any(t["matterId"] == matter_id for t in items),
        f"{department}'s ticket for matter {matter_id}",
        worker,
    )
    print(f"  {department}: ticket in the inbox {took:.2f} s after the decision")
    return next(t for t in items if t["matterId"] == matter_id)


async def seen(w: World, matter_id: str) -> dict:
    """The matter as the community's cadre sees it: status, history, routes, updates."""
    return await w.api("matterRoutes", w.c.cadre, community=w.c.slug, id=matter_id)


async def community_sees(
    w: World, matter_id: str, ok: Callable[[dict], bool], what: str, worker: Worker
) -> dict:
    view, took = await until(lambda: seen(w, matter_id), ok, what, worker)
    print(f"  community sees {what} after {took:.2f} s")
    # One response reads the matter row and its department updates in separate
    # transactions, so the row may predate an update it shows (the flow back commits both
    # together). A read that starts after this one sees everything those updates committed.
    view = await seen(w, matter_id)
    assert ok(view), view
    return view


def route_of(view: dict, department: str) -> dict | None:
    return next((r for r in view["routes"] if r["departmentCode"] == department), None)


def has_route(department: str, status: str) -> Callable[[dict], bool]:
    return lambda v: (route_of(v, department) or {}).get("status") == status


def has_updates(*expected: str, department: str | None = None) -> Callable[[dict], bool]:
    """The community's copy holds exactly these department acts (of ``department``).

    Acts flow back through the worker's threads, so they may arrive out of order and each
    copies the ticket as it is *now*: wait for the acts themselves, not for a route status.
    """
    return lambda v: sorted(kinds(v, department)) == sorted(expected)


def kinds(view: dict, department: str | None = None) -> list[str]:
    return [
        u["kind"]
        for u in view["departmentUpdates"]
        if department is None or u["departmentCode"] == department
    ]


def statuses(view: dict) -> list[str]:
    return [h["toStatus"] for h in view["history"]]


async def act(w: World, name: str, department: str, ticket_id: str, **kw: Any) -> dict:
    """A department officer's act on a ticket; it must succeed (a Ticket comes back)."""
    t = await w.api(name, w.officer(department), id=ticket_id, **kw)
    assert t["__typename"] == "Ticket", t
    return t


def today() -> date:
    return datetime.now(SHANGHAI).date()


# -- the cases -------------------------------------------------------------------------------


async def test_bus_stop_routed_acknowledged_committed_at_joint_meeting_and_done(world, worker):
    """The bus stop: major → 交通运输局 → 签收 → joint meeting commitment (31 Dec) → done."""
    w: World = world
    t0 = time.monotonic()
    m = await decided_major(
        w, "bus", "transport", "公交站点东移", description="站台离小区太远，老人走路要二十分钟"
    )
    mid = m["id"]
    ticket = await ticket_of(w, "transport", mid, worker)
    assert ticket["status"] == "ROUTED" and ticket["departmentNameZh"] == "县交通运输局"
    assert ticket["communityNameZh"] == "东海社区" and ticket["title"] == "公交站点东移"
    full = await w.api("ticket", w.officer("transport"), id=ticket["id"])
    assert full["householdAddress"] is None and full["circumstances"] is None  # not needed
    assert [e["kind"] for e in full["events"]] == ["ROUTED"]
    assert await w.api("ticket", w.officer("housing"), id=ticket["id"]) is None

    view = await community_sees(w, mid, has_updates("ROUTED"), "ROUTED", worker)
    assert view["status"] == "CLASSIFIED" and route_of(view, "transport")["status"] == "ROUTED"
    assert route_of(view, "transport")["departmentNameZh"] == "县交通运输局"

    await act(w, "acknowledgeTicket", "transport", ticket["id"])
    view = await community_sees(w, mid, has_updates("ROUTED", "ACKNOWLEDGED"), "签收", worker)
    assert view["status"] == "IN_PROGRESS" and has_route("transport", "ACKNOWLEDGED")(view)
    assert (view["history"][-1]["actor"], view["history"][-1]["actorRole"]) == (
        "transport.officer",
        "DEPARTMENT_OFFICER",
    )

    # The joint meeting (联席会议): the cadre convenes it; the agenda is built from the
    # community's pending major matters; the bureau commits face to face.
    meeting = await w.api(
        "conveneJointMeeting",
        w.c.cadre,
        community=w.c.slug,
        input={
            "heldOn": today().isoformat(),
            "place": "东海社区党群服务中心",
            "title": "东海社区第一次联席会议",
            "departments": ["transport"],
            "townCadres": [{"name": "王镇长", "role": "菜园镇副镇长"}],
            "volunteerLeaders": [{"name": "李队长", "role": "金色港湾义工队队长"}],
            "residents": [{"name": "沙河路86号居民", "role": "提出诉求的居民"}],
        },
    )
    assert meeting["__typename"] == "JointMeeting", meeting
    agenda = await w.api("setJointMeetingAgenda", w.c.cadre, meetingId=meeting["id"])
    assert agenda["__typename"] == "JointMeeting", agenda
    (item,) = [i for i in agenda["items"] if i["ticket"]["id"] == ticket["id"]]
    invited = await w.api("jointMeeting", w.officer("transport"), id=meeting["id"])
    assert [i["ticket"]["departmentCode"] for i in invited["items"]] == ["transport"] * len(
        invited["items"]
    )
    year_end = date(today().year, 12, 31).isoformat()
    commitment = "今年12月31日前将站台东移至小区门口 / adjust the stop by 31 December"
    outcome = await w.api(
        "recordJointMeetingOutcome",
        w.c.cadre,
        itemId=item["id"],
        input={
            "outcome": "COMMITMENT",
            "minutes": "交通运输局：已列入计划，年底前完成站点调整",
            "commitment": commitment,
            "commitmentDueOn": year_end,
        },
    )
    assert outcome["__typename"] == "JointMeetingItem", outcome
    assert outcome["ticket"]["status"] == "answered"
    assert (outcome["ticket"]["commitment"], outcome["ticket"]["commitmentDueOn"]) == (
        commitment,
        year_end,
    )
    held = await w.api(
        "markJointMeetingHeld",
        w.c.cadre,
        meetingId=meeting["id"],
        attendedDepartments=["transport"],
    )
    assert held["status"] == "HELD" and held["departments"][0]["attended"] is True
    view = await community_sees(
        w,
        mid,
        has_updates("ROUTED", "ACKNOWLEDGED", "MEETING_OUTCOME"),
        "the meeting's commitment",
        worker,
    )
    route = route_of(view, "transport")
    assert (route["status"], route["commitment"], route["commitmentDueOn"]) == (
        "ANSWERED",
        commitment,
        year_end,
    )

    await act(w, "markTicketDone", "transport", ticket["id"], note="站台已东移至小区门口")
    view = await community_sees(
        w, mid, has_updates("ROUTED", "ACKNOWLEDGED", "MEETING_OUTCOME", "DONE"), "DONE", worker
    )
    assert view["status"] == "RESOLVED"
    assert kinds(view) == ["ROUTED", "ACKNOWLEDGED", "MEETING_OUTCOME", "DONE"]  # in order
    assert route_of(view, "transport")["status"] == "DONE"
    assert statuses(view)[-3:] == ["CLASSIFIED", "IN_PROGRESS", "RESOLVED"]
    assert view["history"][-1]["actorRole"] == "DEPARTMENT_OFFICER"
    print(f"  bus stop end to end: {time.monotonic() - t0:.2f} s")


async def test_eaves_escalated_after_site_visit_routed_to_urban_management(world, worker):
    """The eaves: minor, escalated with reason + evidence, routed to 城管 (with the address)."""
    w: World = world
    t0 = time.monotonic()
    m = await w.api(
        "registerRequest",
        w.c.workers[0],
        community=w.c.slug,
        input={
            "householdId": w.c.households["eaves"],
            "channel": "HOME_VISIT",
            "category": "illegal_construction",
            "title": "邻居在屋檐下搭建围挡",
            "description": "邻居在屋檐下搭围挡，挡住通道",
            "occurredOn": "2026-03-01",
        },
    )
    assert m["__typename"] == "Matter", m
    mid = m["id"]
    d = await council_decides(w.api, w.c, m, "MINOR")
    assert d["kind"] == "MINOR"
    started = await w.api(
        "startMatter", w.c.workers[0], community=w.c.slug, matterId=mid, responsibleNote="协商"
    )
    assert started["status"] == "IN_PROGRESS"
    assert all(t["matterId"] != mid for t in await inbox(w, "urban_management"))
    reason = "现场查看：已砌墙加顶，疑似违章建筑，请城管处理"
    up = await w.api(
        "reclassifyMatter",
        w.c.workers[0],
        community=w.c.slug,
        matterId=mid,
        input={"kind": "MAJOR", "reason": reason, "evidence": ["现场照片3张", "核查记录"]},
    )
    assert (up["__typename"], up["kind"]) == ("Matter", "MAJOR"), up
    ticket = await ticket_of(w, "urban_management", mid, worker)
    full = await w.api("ticket", w.officer("urban_management"), id=ticket["id"])
    assert full["departmentNameZh"] == "县综合行政执法局（城管）"
    assert full["householdAddress"] == "外湾弄14号"  # the rule gives 城管 the address
    assert full["events"][0]["kind"] == "ROUTED" and full["events"][0]["data"]["sheet_version"] == 2

    await act(w, "acknowledgeTicket", "urban_management", ticket["id"])
    due = (today() + timedelta(days=14)).isoformat()
    answer = "已立案，责令当事人14日内自行拆除围挡"
    answered = await act(
        w, "answerTicket", "urban_management", ticket["id"], text=answer, dueOn=due
    )
    assert (answered["status"], answered["commitmentDueOn"]) == ("ANSWERED", due)
    view = await community_sees(
        w, mid, has_updates("ROUTED", "ACKNOWLEDGED", "ANSWERED"), "ANSWERED", worker
    )
    assert route_of(view, "urban_management")["status"] == "ANSWERED"
    assert kinds(view) == ["ROUTED", "ACKNOWLEDGED", "ANSWERED"]
    assert route_of(view, "urban_management")["commitment"] == answer
    assert view["status"] == "IN_PROGRESS" and view["kind"] == "MAJOR"
    print(f"  eaves end to end: {time.monotonic() - t0:.2f} s")


async def test_two_departments_matter_resolves_only_when_both_are_done(world, worker):
    """road_and_drainage → 住建 and 水利: one done leaves it in progress; both done resolve it."""
    w: World = world
    m = await decided_major(w, "road", "road_and_drainage", "雨天路面积水，排水管堵塞")
    mid = m["id"]
    housing = await ticket_of(w, "housing", mid, worker)
    water = await ticket_of(w, "water", mid, worker)
    assert housing["id"] != water["id"]
    view = await community_sees(
        w,
        mid,
        lambda v: sorted(r["departmentCode"] for r in v["routes"]) == ["housing", "water"],
        "both routes",
        worker,
    )
    assert view["status"] == "CLASSIFIED"

    await act(w, "acknowledgeTicket", "housing", housing["id"])
    await act(w, "markTicketDone", "housing", housing["id"], note="路面已修补")
    view = await community_sees(
        w,
        mid,
        has_updates("ROUTED", "ACKNOWLEDGED", "DONE", department="housing"),
        "住建 done",
        worker,
    )
    assert view["status"] == "IN_PROGRESS"  # water is not done yet
    assert (
        route_of(view, "water")["status"] == "ROUTED"
        and route_of(view, "housing")["status"] == "DONE"
    )

    await act(w, "acknowledgeTicket", "water", water["id"])
    await act(w, "reportTicketProgress", "water", water["id"], note="已安排疏通排水管")
    await act(w, "markTicketDone", "water", water["id"], note="排水管已疏通")
    view = await community_sees(
        w,
        mid,
        has_updates("ROUTED", "ACKNOWLEDGED", "PROGRESS", "DONE", department="water"),
        "水利 done",
        worker,
    )
    assert view["status"] == "RESOLVED"
    # Acts on one matter flowing back at once are serialised, not deadlocked and retried.
    assert "deadlock detected" not in worker.log()
    assert kinds(view, "housing") == ["ROUTED", "ACKNOWLEDGED", "DONE"]
    assert kinds(view, "water") == ["ROUTED", "ACKNOWLEDGED", "PROGRESS", "DONE"]
    assert statuses(view).count("RESOLVED") == 1


async def test_wrong_department_rejection_is_rerouted_named_and_to_the_fallback(world, worker):
    """退回: to a named department and to the coordination office; the old inbox lets it go."""
    w: World = world
    # Named: the bus shelter is public_facilities → housing by the rules; housing says it
    # is the transport bureau's.
    shelter = await decided_major(w, "shelter", "public_facilities", "公交站台雨棚破损漏雨")
    old = await ticket_of(w, "housing", shelter["id"], worker)
    rejected = await act(
        w,
        "rejectTicket",
        "housing",
        old["id"],
        reason="公交站台设施由交通运输局管理",
        rerouteTo="transport",
    )
    assert rejected["status"] == "REJECTED" and rejected["reroutedTo"]
    new = await ticket_of(w, "transport", shelter["id"], worker)
    assert (new["id"], new["status"], new["reroutedFrom"]) == (
        rejected["reroutedTo"],
        "ROUTED",
        old["id"],
    )
    assert all(t["id"] != old["id"] for t in await inbox(w, "housing", statuses=OPEN))
    assert [t["status"] for t in await inbox(w, "housing") if t["id"] == old["id"]] == ["REJECTED"]
    view = await community_sees(
        w, shelter["id"], has_updates("ROUTED", "REJECTED", "REROUTED"), "退回 + 改派", worker
    )
    assert route_of(view, "housing")["status"] == "REJECTED"
    assert kinds(view, "housing") == ["ROUTED", "REJECTED"]
    assert kinds(view, "transport") == ["REROUTED"]

    # No department named: the county's coordination office (县协调办) gets it.
    dogs = await decided_major(w, "dogs", "pets", "流浪狗夜间吠叫扰民")
    old = await ticket_of(w, "public_security", dogs["id"], worker)
    rejected = await act(
        w, "rejectTicket", "public_security", old["id"], reason="不属于公安管辖，请协调办协调"
    )
    fallback = await ticket_of(w, "coordination", dogs["id"], worker, statuses=OPEN)
    assert (fallback["id"], fallback["reroutedFrom"]) == (rejected["reroutedTo"], old["id"])
    assert fallback["departmentNameZh"] == "县协调办"
    assert all(t["id"] != old["id"] for t in await inbox(w, "public_security", statuses=OPEN))
    view = await community_sees(
        w, dogs["id"], has_updates("ROUTED", "REJECTED", "REROUTED"), "退回协调办", worker
    )
    assert route_of(view, "public_security")["status"] == "REJECTED"
    assert route_of(view, "coordination")["status"] == "ROUTED"
    assert view["status"] == "CLASSIFIED"  # a rejection is no department working on it


async def test_overdue_ticket_flagged_by_the_scheduler_and_seen_by_the_community(world, worker):
    """Acknowledge within 1 working day, missed: the worker's scheduler flags it; 督办 follows."""
    w: World = world
    policy = await w.api(
        "setDeadlinePolicy",
        w.admin,
        input={
            "county": w.county,
            "category": "safety",
            "ackWorkingDays": 1,
            "resolveWorkingDays": 5,
        },
    )
    assert policy == {
        "__typename": "DeadlinePolicy",
        "category": "safety",
        "ackWorkingDays": 1,
        "resolveWorkingDays": 5,
    }
    before = datetime.now(SHANGHAI)
    m = await decided_major(w, "wires", "safety", "楼道电线老化，存在火灾隐患")
    mid = m["id"]
    ticket = await ticket_of(w, "emergency", mid, worker)
    ack_due = datetime.fromisoformat(ticket["ackDueAt"])
    assert ack_due in {due_at(before, 1), due_at(datetime.now(SHANGHAI), 1)}  # 1 working day
    assert ticket["overdue"] is False
    await community_sees(w, mid, has_updates("ROUTED"), "ROUTED", worker)

    # The working day passes without a 签收. The processes' clocks cannot be moved, so the
    # ticket's acknowledgement deadline is moved back instead (the one non-API write).
    async with platform_tx() as tx:
        await tx.connection.execute(
            "UPDATE platform.tickets SET ack_due_at = now() - interval '1 minute' WHERE id = $1",
            int(ticket["id"]),
        )
    moved = time.monotonic()
    view = await community_sees(
        w,
        mid,
        has_updates("ROUTED", "OVERDUE"),
        "the overdue flag (scheduler every 1 s)",
        worker,
    )
    print(f"  overdue: flagged and back in the community {time.monotonic() - moved:.2f} s later")
    assert route_of(view, "emergency")["overdue"] == "ACK"
    assert view["departmentUpdates"][-1]["actor"] == "system:overdue"
    late = [t for t in await inbox(w, "emergency", overdueOnly=True) if t["matterId"] == mid]
    assert [(t["id"], t["overdue"], t["overdueKind"]) for t in late] == [
        (ticket["id"], True, "ACK")
    ]
    async with platform_tx() as tx:
        reminders = await tx.connection.fetch(
            "SELECT kind FROM platform.reminders WHERE ticket_id = $1", int(ticket["id"])
        )
    assert [r["kind"] for r in reminders] == ["ack_overdue"]

    # The county administrator supervises (督办) it; the community sees that too.
    pushed = await w.api("superviseTicket", w.admin, id=ticket["id"], note="请立即签收并排查隐患")
    assert pushed["__typename"] == "Ticket" and pushed["supervised"] is True, pushed
    view = await community_sees(
        w, mid, has_updates("ROUTED", "OVERDUE", "SUPERVISED"), "督办", worker
    )
    assert route_of(view, "emergency")["supervised"] is True
    supervised = await inbox(w, "emergency", supervisedOnly=True, overdueOnly=True)
    assert [t["id"] for t in supervised if t["matterId"] == mid] == [ticket["id"]]

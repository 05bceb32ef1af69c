"""Acceptance of issue 9, resident groups (居民自治组织), over HTTP: the whole story, API only.

A real API process (tests/e2e/conftest.py) and the documents the frontend sends
(graphql/operations); each act is done by the person who does it, with their own token: the
cadre registers the dog owners' association (养犬自治协会) and escalates, residents vote, dog
owners register their dogs and settle their duties, the elected core records the bite, the
volunteer team's leader (义工队负责人) takes a referral on. Everything happens in community
alpha; beta's cadre checks that alpha's groups answer as groups that do not exist.

The one liberty taken with time: the bite is recorded as having happened four days ago,
because a duty is escalated only once past due and the server's clock cannot be moved.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from services import localtime
from tests.e2e.story_support import (
    Api,
    Home,
    council_decides,
    make_home,
    register_matter,
)

MISSING = "987654321"  # an id nothing in any community has
CONVENTION = "居民宠物豢养自治公约"
# Nine households join the association; index 0 is the leader's (two residents with logins),
# 1-7 stand for the core, 8 owns the large fierce dog.
DOG_HOMES = [
    ("东海路1号", ["周建国", "李秀兰"]),
    ("东海路2号", ["陈志强"]),
    ("东海路3号", ["林美华"]),
    ("东海路5号", ["许文斌"]),
    ("东海路6号", ["郑丽娟"]),
    ("东海路7号", ["王海涛"]),
    ("东海路8号", ["何春燕"]),
    ("东海路9号", ["罗永明"]),
    ("东海路11号", ["孙大勇"]),
]
OWNER = 8  # the household of 黑虎, the dog that bites
ELECTED = 3  # 许文斌: a plain member the election puts on the core
# Each household's ballot (indices into the seven candidates, households 1-7):
# votes 7, 7, 6, 6, 6, 3, 1 — the first five are elected, no tie for the last seat.
BALLOTS = [
    [0, 1, 2, 3, 4],
    [0, 1, 2, 3, 5],
    [0, 1, 2, 4, 5],
    [0, 1, 3, 4, 6],
    [0, 2, 3, 4, 5],
    [1, 2, 3, 4],
    [0, 1, 2],
    [0, 4],
    [1, 3],
]
CLAUSES = [
    {
        "number": 1,
        "textZh": "大型犬、烈性犬出户须佩戴嘴套、系牵引绳，由成年人牵领。",
        "textEn": "Large and fierce dogs wear a muzzle and a leash outdoors, led by an adult.",
        "binds": {"sizeClasses": ["LARGE"], "fierce": True},
    },
    {
        "number": 2,
        "textZh": "犬只伤人的，犬主须在24小时内向受害方道歉，立即（2小时内）送医，"
        "并在72小时内垫付医疗费用。",
        "textEn": "After a dog bite the owner apologises within 24 hours, takes the injured "
        "to hospital at once (within 2 hours) and advances the costs within 72 hours.",
        "incidentKinds": ["DOG_BITE"],
        "duties": [
            {"kind": "APOLOGISE", "dueHours": 24},
            {"kind": "HOSPITAL", "dueHours": 2},
            {"kind": "ADVANCE_COSTS", "dueHours": 72},
        ],
    },
]
DUE_HOURS = {"APOLOGISE": 24, "HOSPITAL": 2, "ADVANCE_COSTS": 72}
HOUSEHOLD_MEMBERSHIPS = """query HouseholdMemberships($community: String!, $id: ID!) {
  community(slug: $community) { household(id: $id) { id
    groupMemberships { id groupId role leftOn } } } }"""
FOUNDED_GROUPS = """query FoundedGroups($community: String!, $id: ID!) {
  community(slug: $community) { matter(id: $id) { id foundedGroups { id nameZh } } } }"""


@dataclass
class World:
    """Alpha as the story starts: households, the cadre, two matters the council decided."""

    tag: str
    today: date
    cadre: str
    beta_cadre: str
    dog_homes: list[Home]
    outsider: Home  # a resident of alpha in no group
    elderly: Home
    volunteers: list[Home]  # the volunteer team's leader, then a plain member
    founding_matter: dict
    private_matter: dict


@pytest.fixture(scope="module")
async def world(gql, operation, settings, token, e2e_data) -> tuple[Api, World]:
    """Alpha's households and residents, and the two matters the story starts from: the
    major one the dog association comes out of, and a private one for the volunteer team."""
    api = Api(gql, operation)
    tag = secrets.token_hex(3)
    cadre = token("cadre_a")
    grid = await api("createGrid", cadre, input={"code": f"dogs-{tag}", "name": "养犬网格"})
    assert grid["__typename"] == "Grid", grid
    g = grid["id"]
    dog_homes = [
        await make_home(api, settings, cadre, g, f"{address} {tag}", names, tag)
        for address, names in DOG_HOMES
    ]
    outsider = await make_home(api, settings, cadre, g, f"西山路2号 {tag}", ["刘桂芝"], tag)
    elderly = await make_home(api, settings, cadre, g, f"望海巷7号 {tag}", ["赵秀英"], tag)
    volunteers = [
        await make_home(api, settings, cadre, g, f"金港路{n}号 {tag}", [name], tag)
        for n, name in ((1, "黄志远"), (2, "吴小青"))
    ]
    founding = await register_matter(
        api,
        cadre,
        dog_homes[0],
        category="pets",
        title="养犬纠纷频发",
        description="小区八十多户养犬，犬只伤人、扰民、随地便溺的纠纷不断",
        occurredOn=(localtime.today() - timedelta(days=60)).isoformat(),
    )
    private = await register_matter(
        api,
        cadre,
        elderly,
        category="elderly_care",
        title="每月25日上门量血压",
        description="独居老人希望每月有人上门量血压",
        occurredOn=localtime.today().isoformat(),
    )
    await council_decides(
        api, settings, cadre, g, tag, {founding["id"]: "MAJOR", private["id"]: "PRIVATE"}
    )
    w = World(
        tag,
        localtime.today(),
        cadre,
        token("cadre_b"),
        dog_homes,
        outsider,
        elderly,
        volunteers,
        founding,
        private,
    )
    return api, w


async def group_of(api: Api, token: str, group_id: str) -> dict | None:
    return (await api("group", token, id=group_id))["group"]


async def test_the_dog_owners_association_from_founding_to_a_solved_matter(world):
    """Founded by a major matter; 9 households join; the core is elected; the convention is
    adopted; a bite owes three duties; the unpaid one becomes a minor matter, solved."""
    api, w = world
    cadre, homes, today = w.cadre, w.dog_homes, w.today
    leader, owner, elected = homes[0].tokens[0], homes[OWNER].tokens[0], homes[ELECTED].tokens[0]

    # -- the association is registered, founded by the major matter -------------------------
    founding = await api("matter", cadre, id=w.founding_matter["id"])
    assert (founding["matter"]["kind"], founding["matter"]["status"]) == ("MAJOR", "CLASSIFIED")
    group = await api(
        "registerGroup",
        cadre,
        input={
            "kind": "SELF_GOVERNANCE",
            "nameZh": f"东海社区养犬自治协会 {w.tag}",
            "nameEn": "Donghai Dog Owners' Association",
            "purpose": "养犬户自我管理、自我约束，化解养犬纠纷",
            # Founded, and joined, weeks before the bite: an incident is the group's record
            # only from the day the member joined.
            "foundedOn": (today - timedelta(days=30)).isoformat(),
            "foundingMatterId": w.founding_matter["id"],
        },
    )
    assert group["__typename"] == "Group", group
    assert (group["kind"], group["ballotBasis"], group["memberCount"], group["canManage"]) == (
        "SELF_GOVERNANCE",
        "HOUSEHOLD",
        0,
        True,
    )
    gid = group["id"]
    founded = await api.text(FOUNDED_GROUPS, cadre, id=w.founding_matter["id"])
    assert [x["id"] for x in founded["matter"]["foundedGroups"]] == [gid]

    # -- nine households join, each in its first resident's name; a leader is named --------
    members: list[str] = []
    for home in homes:
        m = await api(
            "addGroupMember",
            cadre,
            groupId=gid,
            input={
                "householdId": home.id,
                "residentId": home.residents[0],
                "joinedOn": (today - timedelta(days=20)).isoformat(),
            },
        )
        assert (m["__typename"], m["role"], m["household"]["id"]) == (
            "GroupMember",
            "MEMBER",
            home.id,
        ), m
        members.append(m["id"])
    named = await api("setGroupMemberRole", cadre, memberId=members[0], role="LEADER")
    assert (named["__typename"], named["role"]) == ("GroupMember", "LEADER"), named
    seen = await group_of(api, leader, gid)
    assert seen is not None
    assert (seen["memberCount"], seen["myRoles"], seen["canManage"]) == (9, ["LEADER"], True)
    assert seen["foundingMatter"]["title"] == "养犬纠纷频发"
    assert seen["members"]["totalCount"] == 9
    assert sorted(x["id"] for x in seen["members"]["items"]) == sorted(members)
    mine = await api.text(HOUSEHOLD_MEMBERSHIPS, owner, id=homes[OWNER].id)
    assert [(x["id"], x["groupId"], x["role"]) for x in mine["household"]["groupMemberships"]] == [
        (members[OWNER], gid, "MEMBER")
    ]
    others = await api.text(HOUSEHOLD_MEMBERSHIPS, w.outsider.tokens[0], id=homes[OWNER].id)
    assert others["household"] is None  # another household's memberships are not hers to see

    # -- the core is elected: 5 seats, 7 candidates, one ballot per household ---------------
    term_ends = today + timedelta(days=3 * 365 - 1)
    opened = await api(
        "openGroupElection",
        leader,
        groupId=gid,
        input={
            "title": "第一届骨干选举",
            "termStartsOn": today.isoformat(),
            "termEndsOn": term_ends.isoformat(),
            "seats": 5,
            "votesPerBallot": 5,
            "candidateMemberIds": members[1:8],
        },
    )
    assert opened["__typename"] == "GroupElection", opened
    assert (opened["status"], opened["seats"], opened["eligible"]) == ("OPEN", 5, 9)
    assert [c["member"]["id"] for c in opened["candidates"]] == members[1:8]
    candidates = [c["id"] for c in opened["candidates"]]
    eid = opened["id"]
    for n, (home, picks) in enumerate(zip(homes, BALLOTS, strict=True)):
        cast = await api(
            "castGroupElectionBallot",
            home.tokens[0],
            electionId=eid,
            choices=[candidates[i] for i in picks],
        )
        assert (cast["__typename"], cast["hasVoted"], cast["ballotsCast"]) == (
            "GroupElection",
            True,
            n + 1,
        ), cast
    again = await api(
        "castGroupElectionBallot", homes[0].tokens[1], electionId=eid, choices=[candidates[6]]
    )
    assert (again["__typename"], again["code"]) == ("AlreadyVotedInElectionError", "ALREADY_VOTED")
    assert again["message"] and again["messageEn"]
    shown = (await api("groupElection", owner, groupId=gid, id=eid))["group"]
    assert shown["election"]["ballotsCast"] == 9 and shown["election"]["results"] is None
    closed = await api("closeGroupElection", leader, electionId=eid)
    assert closed["__typename"] == "GroupElection" and closed["status"] == "CLOSED", closed
    assert [c["votes"] for c in closed["candidates"]] == [7, 7, 6, 6, 6, 3, 1]
    assert [c["elected"] for c in closed["candidates"]] == [True] * 5 + [False] * 2
    results = closed["results"]
    assert (results["quorumMet"], results["eligible"], results["ballots"]) == (True, 9, 9)
    assert results["tied"] == [] and results["runoffElectionId"] is None
    assert [x["id"] for x in results["elected"]] == candidates[:5]

    # Counted but not published: 许文斌 is not on the core yet and may not record incidents.
    refused = await api(
        "recordGroupIncident",
        elected,
        groupId=gid,
        input={
            "kind": "BARKING",
            "memberId": members[OWNER],
            "occurredAt": localtime.now().isoformat(),
        },
    )
    assert (refused["__typename"], refused["code"]) == ("ForbiddenError", "FORBIDDEN"), refused
    before = await group_of(api, elected, gid)
    assert before is not None and (before["myRoles"], before["canManage"]) == (["MEMBER"], False)

    published = await api("publishGroupElection", leader, electionId=eid)
    assert (published["__typename"], published["status"]) == ("GroupElection", "PUBLISHED")
    assert published["termStartsOn"] == today.isoformat() and published["publishedAt"]
    core = (await api("groupCore", owner, groupId=gid))["group"]["currentCore"]
    on_core = {x["id"]: (x["onCore"], x["coreUntil"]) for x in core}
    assert on_core == {members[0]: (True, None)} | {
        m: (True, term_ends.isoformat()) for m in members[1:6]
    }
    after = await group_of(api, elected, gid)
    assert after is not None and after["canManage"] is True
    assert set(after["myRoles"]) == {"CORE", "MEMBER"}

    # -- the convention is drafted, voted by the members and adopted ------------------------
    drafted = await api(
        "createGroupConvention",
        leader,
        groupId=gid,
        input={"titleZh": CONVENTION, "titleEn": "Residents' Pet-Keeping Convention",
               "clauses": CLAUSES, "note": "协会成立大会讨论稿"},
    )  # fmt: skip
    assert drafted["__typename"] == "GroupConvention", drafted
    (v1,) = drafted["versions"]
    assert (v1["number"], v1["status"], len(v1["clauses"])) == (1, "DRAFT", 2)
    assert v1["clauses"][0]["binds"] == {
        "sizeClasses": ["LARGE"],
        "fierce": True,
        "bindsAll": False,
    }
    assert v1["clauses"][1]["duties"] == CLAUSES[1]["duties"]
    voting = await api("openGroupConventionVote", leader, versionId=v1["id"])
    assert voting["__typename"] == "GroupConvention", voting
    assert voting["openVersion"] == {"id": v1["id"], "number": 1, "status": "VOTING"}
    choices = ["YES"] * 7 + ["NO", "ABSTAIN"]
    for home, choice in zip(homes, choices, strict=True):
        b = await api(
            "castGroupConventionBallot", home.tokens[0], versionId=v1["id"], choice=choice
        )
        assert b["__typename"] == "GroupConvention" and b["versions"][0]["hasVoted"] is True, b
    twice = await api(
        "castGroupConventionBallot", homes[0].tokens[1], versionId=v1["id"], choice="NO"
    )
    assert (twice["__typename"], twice["code"]) == ("VoteAlreadyVotedError", "ALREADY_VOTED")
    adopted = await api("closeGroupConventionVote", leader, versionId=v1["id"])
    assert adopted["__typename"] == "GroupConvention", adopted
    (version,) = adopted["versions"]
    assert (version["status"], version["inForceOn"]) == ("ADOPTED", today.isoformat())
    tally = version["tally"]
    assert (tally["adopted"], tally["yes"], tally["no"], tally["abstain"], tally["eligible"]) == (
        True,
        7,
        1,
        1,
        9,
    )
    assert adopted["inForce"] == {"id": v1["id"], "number": 1, "inForceOn": today.isoformat()}
    # A resident of no member household reads the version in force, and nothing else.
    read = (await api("groupConventions", w.outsider.tokens[0], groupId=gid))["group"]
    assert read["conventions"] is None
    (in_force,) = read["conventionsInForce"]
    assert (in_force["titleZh"], in_force["number"]) == (CONVENTION, 1)
    assert [c["textZh"] for c in in_force["clauses"]] == [c["textZh"] for c in CLAUSES]

    # -- dogs are registered; the core sees the overdue vaccination, a plain member not -----
    tiger = await api(
        "registerDog",
        owner,
        groupId=gid,
        input={"householdId": homes[OWNER].id, "name": "黑虎", "breed": "藏獒",
               "sizeClass": "LARGE", "fierce": True,
               "vaccinatedOn": (today - timedelta(days=400)).isoformat(),
               "licenseNo": f"犬证2025-{w.tag}"},
    )  # fmt: skip
    assert tiger["__typename"] == "Dog", tiger
    assert (tiger["sizeClass"], tiger["fierce"], tiger["vaccinationOverdue"]) == (
        "LARGE",
        True,
        True,
    )
    doudou = await api(
        "registerDog",
        leader,
        groupId=gid,
        input={"householdId": homes[5].id, "name": "豆豆", "breed": "泰迪", "sizeClass": "SMALL",
               "vaccinatedOn": (today - timedelta(days=30)).isoformat()},
    )  # fmt: skip
    assert (doudou["__typename"], doudou["vaccinationOverdue"]) == ("Dog", False), doudou
    for core_token in (leader, elected):
        register = (await api("groupDogs", core_token, id=gid))["group"]
        assert sorted(d["name"] for d in register["dogs"]) == ["豆豆", "黑虎"]
        assert [d["id"] for d in register["overdueVaccinations"]] == [tiger["id"]]
    plain = (await api("groupDogs", owner, id=gid))["group"]
    assert plain["overdueVaccinations"] is None
    assert [d["id"] for d in plain["dogs"]] == [tiger["id"]]  # their own household's only
    own = await api("householdDogs", owner, id=homes[OWNER].id)
    assert [(d["id"], d["groupId"]) for d in own["household"]["dogs"]] == [(tiger["id"], gid)]

    # -- a bite: the elected core member records it; three duties arise ---------------------
    occurred = (localtime.now() - timedelta(days=4)).replace(microsecond=0)
    bite = await api(
        "recordGroupIncident",
        elected,
        groupId=gid,
        input={"kind": "DOG_BITE", "memberId": members[OWNER], "dogId": tiger["id"],
               "occurredAt": occurred.isoformat(), "place": "小区北门花坛",
               "affectedParty": "路过的王阿姨（左小腿被咬伤）",
               "description": "黑虎未戴嘴套，挣脱牵引绳咬伤路人"},
    )  # fmt: skip
    assert bite["__typename"] == "GroupIncident", bite
    assert (bite["kind"], bite["place"], bite["affectedParty"]) == (
        "DOG_BITE",
        "小区北门花坛",
        "路过的王阿姨（左小腿被咬伤）",
    )
    assert (bite["member"]["id"], bite["dog"]["id"]) == (members[OWNER], tiger["id"])
    duties = {d["kind"]: d for d in bite["duties"]}
    assert sorted(duties) == sorted(DUE_HOURS)
    for kind, hours in DUE_HOURS.items():
        d = duties[kind]
        assert datetime.fromisoformat(d["dueAt"]) == occurred + timedelta(hours=hours), d
        assert (d["clauseNumber"], d["state"], d["overdue"]) == (2, "OWED", True), d

    # One fulfilled by the owner with evidence, one refused (recorded by the leader).
    apology = "次日当面向王阿姨道歉，王阿姨表示接受（邻居郑丽娟在场）"
    fulfilled = await api(
        "settleGroupDuty", owner, id=duties["APOLOGISE"]["id"], state="FULFILLED", evidence=apology
    )
    assert (fulfilled["__typename"], fulfilled["state"], fulfilled["evidence"]) == (
        "GroupDuty",
        "FULFILLED",
        apology,
    ), fulfilled
    assert fulfilled["overdue"] is False and fulfilled["settledAt"]
    refusal = "犬主称只是擦伤，拒绝陪同就医；王阿姨自行到社区卫生服务中心处理"
    refused_duty = await api(
        "settleGroupDuty", leader, id=duties["HOSPITAL"]["id"], state="REFUSED", evidence=refusal
    )
    assert (refused_duty["__typename"], refused_duty["state"]) == ("GroupDuty", "REFUSED")

    # -- the costs are not advanced: the cadre escalates that duty into a minor matter ------
    costs = duties["ADVANCE_COSTS"]["id"]
    by_leader = await api("escalateGroupDuty", leader, id=costs)
    assert by_leader["__typename"] == "ForbiddenError", by_leader  # the leader asks the community
    settled = await api("escalateGroupDuty", cadre, id=duties["APOLOGISE"]["id"])
    assert settled["__typename"] == "DutyNotOwedError", settled
    escalated = await api(
        "escalateGroupDuty", cadre, id=costs, input={"reason": "医药费逾期未垫付，转社区调解"}
    )
    assert escalated["__typename"] == "GroupDuty", escalated
    matter = escalated["matter"]
    assert (escalated["state"], escalated["matterId"]) == ("OWED", matter["id"])
    assert (matter["kind"], matter["status"]) == ("MINOR", "CLASSIFIED")
    twice_up = await api("escalateGroupDuty", cadre, id=costs)
    assert twice_up["__typename"] == "AlreadyEscalatedError", twice_up

    # The matter is the community's case now: found by its number, the owner's household's.
    ledger = await api("ledger", cadre, filter={"search": matter["number"]})
    assert [(m["id"], m["kind"], m["categoryCode"]) for m in ledger["matters"]["items"]] == [
        (matter["id"], "MINOR", "pets")
    ]
    found = (await api("matter", cadre, id=matter["id"]))["matter"]
    assert (found["number"], found["householdId"], found["channel"]) == (
        matter["number"],
        homes[OWNER].id,
        "WALK_IN",
    )
    assert found["responsible"] == "COMMUNITY_AND_RESIDENTS"
    assert [h["toStatus"] for h in found["history"]] == [
        "REGISTERED",
        "AWAITING_COUNCIL",
        "CLASSIFIED",
    ]
    assert "黑虎" in found["description"] and found["sheets"][0]["reasoning"] == (
        "医药费逾期未垫付，转社区调解"
    )

    # -- the matters flow over HTTP: started, resolved, the resident satisfied: closed ------
    started = await api("startMatter", cadre, matterId=matter["id"], responsibleNote="社区调解")
    assert (started["__typename"], started["status"]) == ("Matter", "IN_PROGRESS"), started
    resolved = await api(
        "resolveMatter", cadre, matterId=matter["id"], note="调解达成一致，犬主已垫付医药费"
    )
    assert (resolved["__typename"], resolved["status"]) == ("Matter", "RESOLVED"), resolved
    rated = await api(
        "giveFeedback",
        owner,
        matterId=matter["id"],
        input={"rating": "SATISFIED", "comment": "社区调解得及时"},
    )
    assert (rated["__typename"], rated["status"]) == ("Matter", "CLOSED"), rated
    assert [(f["rating"], f["onBehalf"]) for f in rated["feedback"]] == [("SATISFIED", False)]

    # -- the incident still shows each duty, and the escalated one its (closed) matter ------
    # (to the cadre and the owner, whose household's matter it is; the matters' rules keep
    # another household's matter from the leader, who still sees which one it is)
    closed_matter = {"id": matter["id"], "number": matter["number"], "kind": "MINOR",
                     "status": "CLOSED"}  # fmt: skip
    for reader, shows_matter in ((cadre, closed_matter), (owner, closed_matter), (leader, None)):
        incident = (await api("groupIncident", reader, groupId=gid, id=bite["id"]))["group"]
        shown = {d["kind"]: d for d in incident["incident"]["duties"]}
        assert [(shown[k]["state"], shown[k]["evidence"]) for k in DUE_HOURS] == [
            ("FULFILLED", apology),
            ("REFUSED", refusal),
            ("OWED", ""),
        ]
        assert shown["APOLOGISE"]["matter"] is None
        assert shown["ADVANCE_COSTS"]["matter"] == shows_matter
    listed = (await api("groupIncidents", leader, id=gid))["group"]["incidents"]
    assert [i["id"] for i in listed["items"]] == [bite["id"]]
    assert {d["kind"]: d["matterId"] for d in listed["items"][0]["duties"]} == {
        "APOLOGISE": None,
        "HOSPITAL": None,
        "ADVANCE_COSTS": matter["id"],
    }

    # -- beta's cadre: alpha's group, duty and election answer as ones that do not exist ----
    for doc, ids in (
        ("group", {"id": gid}),
        ("groupDogs", {"id": gid}),
        ("groupIncident", {"groupId": gid, "id": bite["id"]}),
    ):
        theirs = await api(doc, w.beta_cadre, community="beta", **ids)
        nothing = await api(doc, w.beta_cadre, community="beta", **dict.fromkeys(ids, MISSING))
        assert theirs == nothing == {"group": None}
    join = {"input": {"householdId": homes[0].id, "joinedOn": today.isoformat()}}
    for doc, ids, rest in (
        ("escalateGroupDuty", {"id": costs}, {}),
        ("closeGroupElection", {"electionId": eid}, {}),
        ("addGroupMember", {"groupId": gid}, join),
    ):
        theirs = await api(doc, w.beta_cadre, community="beta", **ids, **rest)
        missing = dict.fromkeys(ids, MISSING)
        nothing = await api(doc, w.beta_cadre, community="beta", **missing, **rest)
        assert theirs == nothing and theirs["__typename"].endswith("NotFoundError"), theirs
    unchanged = await group_of(api, cadre, gid)
    assert unchanged is not None and unchanged["memberCount"] == 9


async def test_a_private_matter_is_referred_to_the_volunteer_team_and_completed(world):
    """The cadre refers a private matter to a registered volunteer team; its leader accepts
    and completes it with their own token; the matter shows it; beta sees nothing of it."""
    api, w = world
    cadre, (leader_home, member_home) = w.cadre, w.volunteers
    leader, member = leader_home.tokens[0], member_home.tokens[0]
    team = await api(
        "registerGroup",
        cadre,
        input={"kind": "VOLUNTEER_TEAM", "nameZh": f"金色港湾义工队 {w.tag}",
               "purpose": "每月25日走访独居老人", "foundedOn": w.today.isoformat()},
    )  # fmt: skip
    assert (team["__typename"], team["kind"]) == ("Group", "VOLUNTEER_TEAM"), team
    for home, role in ((leader_home, "LEADER"), (member_home, "MEMBER")):
        m = await api(
            "addGroupMember",
            cadre,
            groupId=team["id"],
            input={"householdId": home.id, "residentId": home.residents[0],
                   "joinedOn": w.today.isoformat(), "role": role},
        )  # fmt: skip
        assert (m["__typename"], m["role"]) == ("GroupMember", role), m

    private = (await api("matter", cadre, id=w.private_matter["id"]))["matter"]
    assert (private["kind"], private["responsible"]) == ("PRIVATE", "HOUSEHOLD")
    note = "请义工队每月25日走访时为赵奶奶量血压"
    referral = await api(
        "referMatterToGroup", cadre, matterId=private["id"], groupId=team["id"], note=note
    )
    assert referral["__typename"] == "Referral", referral
    assert (referral["status"], referral["group"]["id"], referral["note"]) == (
        "REFERRED",
        team["id"],
        note,
    )
    inbox = (await api("groupReferrals", leader, id=team["id"]))["group"]["referrals"]
    assert [(r["id"], r["status"], r["matter"]["id"]) for r in inbox["items"]] == [
        (referral["id"], "REFERRED", private["id"])
    ]
    assert sorted(inbox["items"][0]["groupActs"]) == ["ACCEPT", "DECLINE"]
    by_member = await api("acceptGroupReferral", member, referralId=referral["id"])
    # A plain member neither acts on nor is shown the team's referrals: none found.
    assert by_member["__typename"] == "ReferralNotFoundError", by_member

    accepted = await api("acceptGroupReferral", leader, referralId=referral["id"], note="已排班")
    assert (accepted["__typename"], accepted["status"], accepted["groupActs"]) == (
        "Referral",
        "ACCEPTED",
        ["COMPLETE"],
    ), accepted
    done_note = "已上门量血压，血压正常，约定下月25日再来"
    completed = await api(
        "completeGroupReferral", leader, referralId=referral["id"], note=done_note
    )
    assert (completed["__typename"], completed["status"], completed["actNote"]) == (
        "Referral",
        "COMPLETED",
        done_note,
    ), completed
    assert completed["groupActs"] == [] and completed["actedAt"]

    for token in (cadre, w.elderly.tokens[0]):  # the cadre, and the resident who asked
        shows = (await api("matter", token, id=private["id"]))["matter"]
        assert [(r["status"], r["actNote"], r["group"]) for r in shows["referrals"]] == [
            ("COMPLETED", done_note, {"id": team["id"], "nameZh": team["nameZh"]})
        ]
        assert shows["status"] == "CLASSIFIED"  # completing a referral does not solve the matter

    theirs = await api("acceptGroupReferral", w.beta_cadre, community="beta",
                       referralId=referral["id"])  # fmt: skip
    nothing = await api("acceptGroupReferral", w.beta_cadre, community="beta", referralId=MISSING)
    assert theirs == nothing and theirs["__typename"] == "ReferralNotFoundError", theirs
    assert await api("groupReferrals", w.beta_cadre, community="beta", id=team["id"]) == {
        "group": None
    }

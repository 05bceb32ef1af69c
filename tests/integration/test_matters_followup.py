"""Follow-up of matters through the GraphQL schema: lifecycle, records, escalation, feedback.

Every act goes through the schema in-process (the stable interface); the council's
decision is arranged with the matters handlers the councils slice calls
(``transition_in_tx`` + ``classify_in_tx``). Failed acts are checked to leave nothing
behind: no history row, no feedback, no outbox message.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from services.api.kit.loaders import Loaders
from services.api.kit.request import SanshiContext
from services.api.schema import SanshiSchema, build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.grids.tables import Grid
from services.households.tables import Household, Resident
from services.matters import handlers
from services.matters.model import MatterKind, MatterStatus
from services.matters.rows import MatterRow
from services.matters.tables import Feedback, Matter, MatterTransition
from services.settings import Settings
from tenants.tx import platform_tx, tenant_tx
from workers import registry

_n = itertools.count(1)
_schema: list[SanshiSchema] = []


@pytest.fixture(autouse=True)
def major_topic() -> Iterator[None]:
    """`matter.major` is declared (by the routing issue later; by this test until then)."""
    registry.load_actor_modules()
    if "matter.major" in registry.topics():
        yield
        return
    spec = registry.ActorSpec("tests.matter_major", lambda **_: None)
    with registry.declared(spec, topic_map={"matter.major": "tests.matter_major"}):
        yield


def person(role: Role, slug: str, subject: str | None = None) -> Principal:
    county = role in (Role.COUNTY_ADMIN, Role.COUNTY_LEADER)
    scope = Scope(ScopeKind.COUNTY, "testcounty") if county else Scope(ScopeKind.COMMUNITY, slug)
    return Principal(subject or f"{role.value}-{secrets.token_hex(4)}", frozenset({role}), scope)


async def gql(settings: Settings, actor: Principal | None, query: str, **variables: Any) -> dict:
    if not _schema:
        _schema.append(build_schema(settings))
    context = SanshiContext(
        settings=settings, request_id="test", principal=actor, loaders=Loaders()
    )
    result = await _schema[0].execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result.data


async def household(slug: str, **circumstances: bool) -> int:
    async with tenant_tx(slug):
        grid = await Grid.insert(Grid(code=f"fu{next(_n)}", name="跟进")).returning(Grid.id).run()
        row = (
            await Household.insert(
                Household(grid_id=grid[0]["id"], address="东海路8号", **circumstances)
            )
            .returning(Household.id)
            .run()
        )
    return row[0]["id"]


async def resident_of(slug: str, household_id: int) -> Principal:
    subject = f"resident-{secrets.token_hex(4)}"
    async with tenant_tx(slug):
        await Resident.insert(
            Resident(household_id=household_id, name="王阿姨", subject=subject)
        ).run()
    return person(Role.RESIDENT, slug, subject)


REGISTER = """
mutation($c: String!, $i: RegisterRequestInput!) {
  registerRequest(community: $c, input: $i) {
    __typename
    ... on Matter { id number status suggestion { kind ruleId } }
    ... on Error { code message messageEn }
  }
}"""


def request_input(hid: int | str, category: str = "street_lighting", **extra: Any) -> dict:
    data = {
        "householdId": str(hid),
        "channel": "HOME_VISIT",
        "category": category,
        "title": "巷口没有路灯",
        "description": "晚上巷口太黑，老人出门不方便",
        "occurredOn": "2026-03-02",
        "place": "东海路巷口",
    }
    data.update(extra)
    return data


async def register(
    settings: Settings, slug: str, hid: int, category: str = "street_lighting"
) -> str:
    data = await gql(
        settings,
        person(Role.GRID_WORKER, slug),
        REGISTER,
        c=slug,
        i=request_input(hid, category),
    )
    assert data["registerRequest"]["__typename"] == "Matter", data
    return data["registerRequest"]["id"]


async def classify(slug: str, matter_id: str, kind: MatterKind) -> None:
    """The council's decision, as the councils slice records it (one transaction)."""
    cadre = person(Role.COMMUNITY_CADRE, slug)
    async with tenant_tx(slug) as tx:
        row = MatterRow(**(await Matter.select().where(Matter.id == int(matter_id)).run())[0])
        row = await handlers.transition_in_tx(tx, cadre, row, MatterStatus.AWAITING_COUNCIL)
        await handlers.classify_in_tx(tx, cadre, row, kind, reasoning="理事会讨论决定")


async def classified(settings: Settings, slug: str, kind: MatterKind, category: str) -> str:
    mid = await register(settings, slug, await household(slug), category)
    await classify(slug, mid, kind)
    return mid


async def history_count(slug: str, matter_id: str) -> int:
    async with tenant_tx(slug):
        return await MatterTransition.count().where(MatterTransition.matter_id == int(matter_id))


async def major_messages(slug: str, matter_id: str) -> int:
    async with platform_tx() as tx:
        return await tx.connection.fetchval(
            "SELECT count(*) FROM platform.outbox WHERE topic = 'matter.major' "
            "AND community_slug = $1 AND payload->>'matter_id' = $2",
            slug,
            matter_id,
        )


ACT = """
mutation($c: String!, $m: ID!, $t: String!) {
  start: startMatter(community: $c, matterId: $m, responsibleNote: $t) { ...R }
}
fragment R on StartMatterResult {
  __typename ... on Matter { status responsibleNote } ... on Error { code message messageEn }
}"""

RESOLVE = """
mutation($c: String!, $m: ID!, $t: String!) {
  resolveMatter(community: $c, matterId: $m, note: $t) {
    __typename ... on Matter { status resolvedAt } ... on Error { code message messageEn }
  }
}"""

FEEDBACK = """
mutation($c: String!, $m: ID!, $i: FeedbackInput!) {
  giveFeedback(community: $c, matterId: $m, input: $i) {
    __typename ... on Matter { status closedAt } ... on Error { code message messageEn }
  }
}"""

DETAIL = """
query($c: String!, $m: ID!) {
  community(slug: $c) {
    matter(id: $m) {
      id status kind responsible responsibleNote allowedTransitions
      sheets { version kind previousKind escalation responsible reasoning evidence explanation }
      history { fromStatus toStatus actorRole reason }
      referrals { groupRef groupName note }
      negotiations { agreement participants commitments { id partyName kept dueOn } }
      feedback { rating comment reopenReason onBehalf }
    }
  }
}"""


async def detail(settings: Settings, slug: str, matter_id: str) -> dict:
    data = await gql(settings, person(Role.COMMUNITY_CADRE, slug), DETAIL, c=slug, m=matter_id)
    return data["community"]["matter"]


async def start(settings: Settings, slug: str, mid: str, note: str = "社区工作人员张三") -> dict:
    data = await gql(settings, person(Role.GRID_WORKER, slug), ACT, c=slug, m=mid, t=note)
    return data["start"]


async def resolve(settings: Settings, slug: str, mid: str, note: str = "已装灯") -> dict:
    data = await gql(settings, person(Role.GRID_WORKER, slug), RESOLVE, c=slug, m=mid, t=note)
    return data["resolveMatter"]


# -- the lifecycle ------------------------------------------------------------------------


async def test_private_matter_explained_referred_and_closed_by_feedback(settings, communities):
    """Blood pressure: private, explained, referred to 金色港湾义工队, rated satisfied → closed."""
    a, _ = communities
    hid = await household(a, elderly_living_alone=True)
    mid = await register(settings, a, hid, "elderly_care")
    await classify(a, mid, MatterKind.PRIVATE)
    cadre = person(Role.COMMUNITY_CADRE, a)
    explained = await gql(
        settings,
        cadre,
        """mutation($c: String!, $m: ID!) {
          explainPrivateMatter(community: $c, matterId: $m,
            explanation: "量血压是家庭自己的事；义工队每月25日上门") {
            __typename ... on ClassificationSheet { version explanation } } }""",
        c=a,
        m=mid,
    )
    assert explained["explainPrivateMatter"] == {
        "__typename": "ClassificationSheet",
        "version": 1,
        "explanation": "量血压是家庭自己的事；义工队每月25日上门",
    }
    referred = await gql(
        settings,
        cadre,
        """mutation($c: String!, $m: ID!, $i: ReferMatterInput!) {
          referMatter(community: $c, matterId: $m, input: $i) {
            __typename ... on Referral { groupRef groupName matterId } } }""",
        c=a,
        m=mid,
        i={"groupRef": "golden_harbour", "groupName": "金色港湾义工队", "note": "每月25日"},
    )
    assert referred["referMatter"]["groupName"] == "金色港湾义工队"
    assert (await start(settings, a, mid))["status"] == "IN_PROGRESS"
    assert (await resolve(settings, a, mid))["status"] == "RESOLVED"
    resident = await resident_of(a, hid)
    rated = await gql(
        settings, resident, FEEDBACK, c=a, m=mid, i={"rating": "SATISFIED", "comment": "谢谢"}
    )
    assert rated["giveFeedback"]["status"] == "CLOSED" and rated["giveFeedback"]["closedAt"]
    seen = await detail(settings, a, mid)
    assert seen["responsible"] == "HOUSEHOLD" and seen["allowedTransitions"] == []
    assert seen["referrals"] == [
        {"groupRef": "golden_harbour", "groupName": "金色港湾义工队", "note": "每月25日"}
    ]
    assert seen["feedback"] == [
        {"rating": "SATISFIED", "comment": "谢谢", "reopenReason": None, "onBehalf": False}
    ]
    assert [h["toStatus"] for h in seen["history"]] == [
        "REGISTERED",
        "AWAITING_COUNCIL",
        "CLASSIFIED",
        "IN_PROGRESS",
        "RESOLVED",
        "CLOSED",
    ]
    assert seen["history"][3]["reason"] == "社区工作人员张三"


async def test_minor_matter_negotiation_with_commitments(settings, communities):
    """Street light: minor; the resident mounts a light, the community fits a screen; kept."""
    a, _ = communities
    mid = await classified(settings, a, MatterKind.MINOR, "street_lighting")
    cadre = person(Role.COMMUNITY_CADRE, a)
    recorded = await gql(
        settings,
        cadre,
        """mutation($c: String!, $m: ID!, $i: NegotiationInput!) {
          recordNegotiation(community: $c, matterId: $m, input: $i) {
            __typename
            ... on Negotiation { agreement participants
                                 commitments { id party partyName description dueOn kept } }
            ... on Error { code } } }""",
        c=a,
        m=mid,
        i={
            "heldOn": "2026-03-10",
            "participants": ["李师傅", "社区主任"],
            "agreement": "李师傅在门口装灯，社区为他临街的窗装纱窗",
            "commitments": [
                {"party": "RESIDENT", "partyName": "李师傅", "description": "门口装灯"},
                {
                    "party": "COMMUNITY",
                    "partyName": "东海社区",
                    "description": "临街窗户装纱窗",
                    "dueOn": "2026-03-31",
                },
            ],
        },
    )
    negotiation = recorded["recordNegotiation"]
    assert negotiation["__typename"] == "Negotiation"
    assert [c["party"] for c in negotiation["commitments"]] == ["RESIDENT", "COMMUNITY"]
    assert negotiation["commitments"][1]["dueOn"] == "2026-03-31"
    commitment = negotiation["commitments"][0]["id"]
    marked = await gql(
        settings,
        cadre,
        """mutation($c: String!, $id: ID!) {
          markCommitment(community: $c, commitmentId: $id, kept: true) {
            __typename ... on Commitment { kept checkedBy checkedAt } } }""",
        c=a,
        id=commitment,
    )
    assert marked["markCommitment"]["kept"] is True and marked["markCommitment"]["checkedAt"]
    seen = await detail(settings, a, mid)
    assert [c["kept"] for c in seen["negotiations"][0]["commitments"]] == [True, None]
    assert seen["responsible"] == "COMMUNITY_AND_RESIDENTS"


async def test_follow_up_records_check_the_kind(settings, communities):
    """No negotiation on a private matter, no explanation of a minor one, no referral of a major."""
    a, _ = communities
    private = await classified(settings, a, MatterKind.PRIVATE, "housing_repair")
    minor = await classified(settings, a, MatterKind.MINOR, "street_lighting")
    major = await classified(settings, a, MatterKind.MAJOR, "transport")
    cadre = person(Role.COMMUNITY_CADRE, a)
    negotiate = await gql(
        settings,
        cadre,
        """mutation($c: String!, $m: ID!) { recordNegotiation(community: $c, matterId: $m,
             input: {heldOn: "2026-03-01", participants: ["甲"], agreement: "协商"}) {
             __typename ... on Error { code message messageEn } } }""",
        c=a,
        m=private,
    )
    assert negotiate["recordNegotiation"]["__typename"] == "WrongKindError"
    assert "小事" in negotiate["recordNegotiation"]["message"]
    explain = await gql(
        settings,
        cadre,
        """mutation($c: String!, $m: ID!) { explainPrivateMatter(community: $c, matterId: $m,
             explanation: "说明") { __typename } }""",
        c=a,
        m=minor,
    )
    assert explain["explainPrivateMatter"]["__typename"] == "WrongKindError"
    refer = await gql(
        settings,
        cadre,
        """mutation($c: String!, $m: ID!) { referMatter(community: $c, matterId: $m,
             input: {groupRef: "team", groupName: "义工队"}) { __typename } }""",
        c=a,
        m=major,
    )
    assert refer["referMatter"]["__typename"] == "WrongKindError"
    seen = await detail(settings, a, private)
    assert seen["negotiations"] == [] and seen["sheets"][0]["explanation"] == ""


# -- reclassification / escalation (升格) and the outbox ------------------------------------

RECLASSIFY = """
mutation($c: String!, $m: ID!, $i: ReclassifyMatterInput!) {
  reclassifyMatter(community: $c, matterId: $m, input: $i) {
    __typename ... on Matter { kind responsible status } ... on Error { code message messageEn }
  }
}"""


async def test_escalation_to_major_keeps_history_and_writes_one_outbox_message(
    settings, communities
):
    """Eaves: minor → major after a site visit; sheet v2, county responsible, one message."""
    a, _ = communities
    mid = await classified(settings, a, MatterKind.MINOR, "neighbour_dispute")
    assert await major_messages(a, mid) == 0
    await start(settings, a, mid)
    escalated = await gql(
        settings,
        person(Role.GRID_WORKER, a),
        RECLASSIFY,
        c=a,
        m=mid,
        i={
            "kind": "MAJOR",
            "reason": "现场核查：屋檐下搭建疑似违章建筑，需城管处理",
            "evidence": ["现场照片 IMG_0412", "  ", "邻居证言"],
        },
    )
    assert escalated["reclassifyMatter"] == {
        "__typename": "Matter",
        "kind": "MAJOR",
        "responsible": "COUNTY_DEPARTMENTS",
        "status": "IN_PROGRESS",
    }
    assert await major_messages(a, mid) == 1
    same = await gql(
        settings,
        person(Role.GRID_WORKER, a),
        RECLASSIFY,
        c=a,
        m=mid,
        i={"kind": "MAJOR", "reason": "再次升格"},
    )
    assert same["reclassifyMatter"]["__typename"] == "SameKindError"
    assert await major_messages(a, mid) == 1
    sheets = (await detail(settings, a, mid))["sheets"]
    assert [(s["version"], s["kind"], s["previousKind"], s["escalation"]) for s in sheets] == [
        (1, "MINOR", None, False),
        (2, "MAJOR", "MINOR", True),
    ]
    assert sheets[1]["evidence"] == ["现场照片 IMG_0412", "邻居证言"]


async def test_classification_as_major_writes_exactly_one_message_per_classification(
    settings, communities
):
    """Bus stop: major at decision (1 message); down to minor (still 1); up again (2)."""
    a, b = communities
    mid = await classified(settings, a, MatterKind.MAJOR, "transport")
    assert await major_messages(a, mid) == 1
    assert await major_messages(b, mid) == 0
    cadre = person(Role.COMMUNITY_CADRE, a)
    down = await gql(
        settings, cadre, RECLASSIFY, c=a, m=mid, i={"kind": "MINOR", "reason": "理事会更正"}
    )
    assert down["reclassifyMatter"]["responsible"] == "COMMUNITY_AND_RESIDENTS"
    assert await major_messages(a, mid) == 1
    up = await gql(
        settings, cadre, RECLASSIFY, c=a, m=mid, i={"kind": "MAJOR", "reason": "交通局确认"}
    )
    assert up["reclassifyMatter"]["kind"] == "MAJOR"
    assert await major_messages(a, mid) == 2


async def test_reclassification_refusals_write_nothing(settings, communities):
    """No reason, or a matter not yet classified: typed errors, no sheet and no message."""
    a, _ = communities
    mid = await classified(settings, a, MatterKind.MINOR, "sanitation")
    grid_worker = person(Role.GRID_WORKER, a)
    blank = await gql(
        settings, grid_worker, RECLASSIFY, c=a, m=mid, i={"kind": "MAJOR", "reason": "  "}
    )
    assert blank["reclassifyMatter"]["__typename"] == "ReasonRequiredError"
    fresh = await register(settings, a, await household(a))
    early = await gql(
        settings, grid_worker, RECLASSIFY, c=a, m=fresh, i={"kind": "MAJOR", "reason": "升格"}
    )
    assert early["reclassifyMatter"]["__typename"] == "CannotReclassifyError"
    assert len((await detail(settings, a, mid))["sheets"]) == 1
    assert await major_messages(a, mid) == 0 and await major_messages(a, fresh) == 0


# -- feedback -------------------------------------------------------------------------------


async def test_unsatisfied_feedback_reopens_once_the_reason_is_recorded(settings, communities):
    """Unsatisfied without a reason is refused (nothing written); with one, the matter reopens."""
    a, _ = communities
    hid = await household(a)
    mid = await register(settings, a, hid, "home_lighting")
    await classify(a, mid, MatterKind.PRIVATE)
    await start(settings, a, mid)
    await resolve(settings, a, mid)
    resident = await resident_of(a, hid)
    before = await history_count(a, mid)
    refused = await gql(settings, resident, FEEDBACK, c=a, m=mid, i={"rating": "UNSATISFIED"})
    assert refused["giveFeedback"]["__typename"] == "ReasonRequiredError"
    assert await history_count(a, mid) == before
    async with tenant_tx(a):
        assert await Feedback.count().where(Feedback.matter_id == int(mid)) == 0
    reopened = await gql(
        settings,
        person(Role.GRID_WORKER, a),
        FEEDBACK,
        c=a,
        m=mid,
        i={"rating": "UNSATISFIED", "reopenReason": "灯又坏了", "comment": "代居民评价"},
    )
    assert reopened["giveFeedback"]["status"] == "REOPENED"
    seen = await detail(settings, a, mid)
    assert seen["feedback"][0]["onBehalf"] is True
    assert seen["history"][-1] == {
        "fromStatus": "RESOLVED",
        "toStatus": "REOPENED",
        "actorRole": "GRID_WORKER",
        "reason": "灯又坏了",
    }
    assert seen["allowedTransitions"] == ["IN_PROGRESS", "WITHDRAWN"]
    assert (await start(settings, a, mid, "换人处理"))["status"] == "IN_PROGRESS"


async def test_feedback_before_resolution_is_refused(settings, communities):
    """Rating a matter in progress is FeedbackBeforeResolutionError; no feedback row."""
    a, _ = communities
    hid = await household(a)
    mid = await register(settings, a, hid)
    await classify(a, mid, MatterKind.MINOR)
    await start(settings, a, mid)
    got = await gql(
        settings, await resident_of(a, hid), FEEDBACK, c=a, m=mid, i={"rating": "SATISFIED"}
    )
    assert got["giveFeedback"]["__typename"] == "FeedbackBeforeResolutionError"
    assert "办理中" in got["giveFeedback"]["message"]
    async with tenant_tx(a):
        assert await Feedback.count().where(Feedback.matter_id == int(mid)) == 0


# -- lifecycle refusals -----------------------------------------------------------------------


async def test_illegal_transition_is_a_typed_error_and_writes_nothing(settings, communities):
    """Resolving a registered matter: IllegalTransitionError naming both statuses, no history."""
    a, _ = communities
    mid = await register(settings, a, await household(a))
    before = await history_count(a, mid)
    got = await resolve(settings, a, mid)
    assert got["__typename"] == "IllegalTransitionError"
    assert "已登记" in got["message"] and "已解决" in got["message"]
    assert "Registered" in got["messageEn"]
    assert await history_count(a, mid) == before == 1


async def test_withdrawal_needs_a_reason_and_is_final(settings, communities):
    """A resident withdraws their own request with a reason; then nothing more can be done."""
    a, _ = communities
    hid = await household(a)
    mid = await register(settings, a, hid)
    resident = await resident_of(a, hid)
    withdraw = """mutation($c: String!, $m: ID!, $r: String!) {
      withdrawMatter(community: $c, matterId: $m, reason: $r) {
        __typename ... on Matter { status } ... on Error { code } } }"""
    blank = await gql(settings, resident, withdraw, c=a, m=mid, r=" ")
    assert blank["withdrawMatter"]["__typename"] == "ReasonRequiredError"
    done = await gql(settings, resident, withdraw, c=a, m=mid, r="邻居已帮忙修好")
    assert done["withdrawMatter"] == {"__typename": "Matter", "status": "WITHDRAWN"}
    assert (await start(settings, a, mid))["__typename"] == "IllegalTransitionError"


async def test_oversize_text_is_refused_with_the_settings_limit(settings, communities):
    """A note over max_note_length, a title over max_title_length: TextTooLongError, no change."""
    a, _ = communities
    mid = await classified(settings, a, MatterKind.MINOR, "street_lighting")
    long_note = "灯" * (settings.max_note_length + 1)
    got = await start(settings, a, mid, long_note)
    assert (
        got["__typename"] == "TextTooLongError" and str(settings.max_note_length) in got["message"]
    )
    assert (await detail(settings, a, mid))["status"] == "CLASSIFIED"
    title = "题" * (settings.max_title_length + 1)
    reg = await gql(
        settings,
        person(Role.GRID_WORKER, a),
        REGISTER,
        c=a,
        i=request_input(await household(a), title=title),
    )
    assert reg["registerRequest"]["__typename"] == "TextTooLongError"


async def test_unknown_category_registers_nothing(settings, communities):
    """An unknown category is UnknownCategoryError and no matter row is written."""
    a, _ = communities
    hid = await household(a)
    got = await gql(
        settings,
        person(Role.GRID_WORKER, a),
        REGISTER,
        c=a,
        i=request_input(hid, "flying_saucers"),
    )
    assert got["registerRequest"]["__typename"] == "UnknownCategoryError"
    assert "flying_saucers" in got["registerRequest"]["message"]
    async with tenant_tx(a):
        assert await Matter.count().where(Matter.household_id == hid) == 0


# -- isolation ----------------------------------------------------------------------------------


async def test_another_communitys_matter_and_household_look_missing(settings, communities):
    """Beta's cadre acting on alpha's matter id gets exactly what a missing id gets."""
    a, b = communities
    for _ in range(3):  # ids run per schema: make alpha's newest one that beta does not have
        mid = await register(settings, a, await household(a))
        hid = await household(a)
    async with tenant_tx(b):
        assert not await Matter.exists().where(Matter.id == int(mid))
        assert not await Household.exists().where(Household.id == hid)
    cadre_b = person(Role.COMMUNITY_CADRE, b)
    foreign = await gql(settings, cadre_b, ACT, c=b, m=mid, t="")
    missing = await gql(settings, cadre_b, ACT, c=b, m="999999", t="")
    assert foreign["start"]["__typename"] == "MatterNotFoundError"
    assert foreign == missing
    query = await gql(settings, cadre_b, DETAIL, c=b, m=mid)
    assert query == {"community": {"matter": None}}
    reg = await gql(settings, cadre_b, REGISTER, c=b, i=request_input(hid))
    assert reg["registerRequest"]["__typename"] == "HouseholdNotFoundError"
    acting_in_a = await gql(settings, cadre_b, ACT, c=a, m=mid, t="")
    assert acting_in_a["start"]["__typename"] == "CommunityNotFoundError"


async def test_resident_reads_and_registers_only_for_their_household(settings, communities):
    """A neighbour's matter is null and their household not found, for a resident."""
    a, _ = communities
    own, neighbour = await household(a), await household(a)
    theirs = await register(settings, a, neighbour)
    resident = await resident_of(a, own)
    seen = await gql(settings, resident, DETAIL, c=a, m=theirs)
    assert seen == {"community": {"matter": None}}
    reg = await gql(settings, resident, REGISTER, c=a, i=request_input(neighbour))
    assert reg["registerRequest"]["__typename"] == "HouseholdNotFoundError"
    mine = await gql(settings, resident, REGISTER, c=a, i=request_input(own))
    assert mine["registerRequest"]["__typename"] == "Matter"
    withdraw = await gql(
        settings,
        resident,
        """mutation($c: String!, $m: ID!) { withdrawMatter(community: $c, matterId: $m,
             reason: "不是我的") { __typename } }""",
        c=a,
        m=theirs,
    )
    assert withdraw["withdrawMatter"]["__typename"] == "MatterNotFoundError"


# -- categories, rules, settings ------------------------------------------------------------------

SET_CATEGORY = """
mutation($c: String!, $i: CategoryInput!) {
  setCategory(community: $c, input: $i) {
    __typename ... on Category { code nameZh active } ... on Error { code message }
  }
}"""

SET_RULE = """
mutation($c: String!, $i: SuggestionRuleInput!) {
  setSuggestionRule(community: $c, input: $i) {
    __typename ... on SuggestionRule { id kind anyOf priority } ... on Error { code message }
  }
}"""


async def test_categories_and_suggestion_rules_are_community_data(settings, communities):
    """A new category and its rules drive suggestions in alpha only; bad rule sets refused."""
    a, b = communities
    cadre = person(Role.COMMUNITY_CADRE, a)
    code = f"stray_cats_{next(_n)}"
    made = await gql(
        settings, cadre, SET_CATEGORY, c=a, i={"code": code, "nameZh": "流浪猫", "nameEn": "Cats"}
    )
    assert made["setCategory"] == {
        "__typename": "Category",
        "code": code,
        "nameZh": "流浪猫",
        "active": True,
    }
    rule = {
        "id": f"{code}.alone",
        "category": code,
        "kind": "MINOR",
        "reasonZh": "独居老人家附近的流浪猫由社区协调",
        "reasonEn": "Near an elderly person living alone the community coordinates",
        "priority": 5,
        "anyOf": ["ELDERLY_LIVING_ALONE"],
    }
    assert (await gql(settings, cadre, SET_RULE, c=a, i=rule))["setSuggestionRule"][
        "__typename"
    ] == "SuggestionRule"
    clash = dict(rule, id=f"{code}.other", kind="PRIVATE")
    got = await gql(settings, cadre, SET_RULE, c=a, i=clash)
    assert got["setSuggestionRule"]["__typename"] == "AmbiguousRulesError"
    unknown = dict(rule, id=f"{code}.x", category="no_such_category")
    got = await gql(settings, cadre, SET_RULE, c=a, i=unknown)
    assert got["setSuggestionRule"]["__typename"] == "UnknownCategoryError"
    hid = await household(a, elderly_living_alone=True)
    reg = await gql(
        settings, person(Role.GRID_WORKER, a), REGISTER, c=a, i=request_input(hid, code)
    )
    assert reg["registerRequest"]["suggestion"] == {"kind": "MINOR", "ruleId": f"{code}.alone"}
    retire = await gql(
        settings,
        cadre,
        SET_CATEGORY,
        c=a,
        i={"code": code, "nameZh": "流浪猫", "nameEn": "Cats", "active": False},
    )
    assert retire["setCategory"]["__typename"] == "InvalidInputError"
    listed = await gql(
        settings,
        person(Role.COMMUNITY_CADRE, b),
        "query($c: String!) { community(slug: $c) { categories { code } } }",
        c=b,
    )
    assert code not in {c["code"] for c in listed["community"]["categories"]}


async def test_matter_prefix_names_new_matters(settings, communities):
    """setMatterPrefix changes the number of the next matter in that community only."""
    _, b = communities
    cadre = person(Role.COMMUNITY_CADRE, b)
    prefix = """mutation($c: String!, $p: String!) { setMatterPrefix(community: $c, prefix: $p) {
      __typename ... on MatterSettings { matterPrefix } } }"""
    bad = await gql(settings, cadre, prefix, c=b, p="no spaces!")
    assert bad["setMatterPrefix"]["__typename"] == "InvalidInputError"
    ok = await gql(settings, cadre, prefix, c=b, p="DH")
    assert ok["setMatterPrefix"] == {"__typename": "MatterSettings", "matterPrefix": "DH"}
    reg = await gql(
        settings, person(Role.GRID_WORKER, b), REGISTER, c=b, i=request_input(await household(b))
    )
    assert reg["registerRequest"]["number"].startswith("DH2026-")
    await gql(settings, cadre, prefix, c=b, p="M")

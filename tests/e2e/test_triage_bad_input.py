"""Bad input to triage over HTTP: each a typed, bilingual error, and nothing half-written.

The world is built over the API like the acceptance tests' (one community with one grid
and a council of three, a neighbour community); "nothing written" is checked in the
database: the rows and the audit log of the community are exactly as before the call.
"""

from __future__ import annotations

import re

import pytest

from services.auth.model import Role
from tenants.tx import tenant_tx
from tests.e2e.test_triage_acceptance import (
    Api,
    Community,
    _token,
    build_community,
    decide,
    on_agenda,
    open_session,
    register,
    vote,
)

TABLES = (
    "matters",
    "matter_transitions",
    "classification_sheets",
    "agenda_items",
    "votes",
    "feedback",
    "negotiations",
    "commitments",
    "audit_log",
)
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
async def world(gql, operation, settings, token, e2e_data):
    """A community of one grid (council of three, quorum two) and a neighbour community."""
    api = Api(gql, operation)
    main = await build_community(
        api,
        settings,
        token("admin"),
        grids=1,
        households={
            "home": (0, "东海路1号", [], "bad.resident"),
            "next": (0, "东海路3号", [], None),
        },
    )
    # Household ids are per community: the neighbour has more, so its last one is an id
    # that does not exist here at all.
    far = {f"far{i}": (0, f"金平路{i}号", [], None) for i in range(8)}
    other = await build_community(api, settings, token("admin"), grids=1, households=far)
    assert int(other.households["far7"]) > max(int(h) for h in main.households.values())
    return api, main, other


async def rows(slug: str) -> dict[str, int]:
    """How many rows each triage table (and the audit log) of the community holds."""
    async with tenant_tx(slug) as tx:
        return {t: await tx.connection.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}


def refused(result: dict, typename: str, code: str) -> None:
    """A typed error with a stable code and a message in Chinese and in English."""
    assert (result["__typename"], result["code"]) == (typename, code), result
    assert CJK.search(result["message"]), result
    assert result["messageEn"] and not CJK.search(result["messageEn"]), result


async def on_the_agenda(api: Api, c: Community, present: list[int]) -> dict:
    """A registered request on a fresh session's agenda with ``present`` attending."""
    m = await register(api, c, "next", "sanitation", "垃圾桶满溢")
    session = await open_session(api, c, present)
    return await on_agenda(api, c, session, m)


async def test_vote_from_a_non_member_is_refused(world, settings):
    """A council-member token of someone not seated: NOT_A_COUNCIL_MEMBER, no vote written."""
    api, c, _ = world
    item = await on_the_agenda(api, c, [0, 1, 2])
    stranger = _token(settings, c.slug, "not.a.member", Role.COUNCIL_MEMBER)
    before = await rows(c.slug)
    r = await api(
        "castVote", stranger, community=c.slug, input={"agendaItemId": item["id"], "kind": "MINOR"}
    )
    refused(r, "NotACouncilMemberError", "NOT_A_COUNCIL_MEMBER")
    resident = await api(
        "castVote",
        c.residents["home"],
        community=c.slug,
        input={"agendaItemId": item["id"], "kind": "MINOR"},
    )
    refused(resident, "ForbiddenError", "FORBIDDEN")
    assert await rows(c.slug) == before


async def test_vote_from_an_absent_member_is_refused(world):
    """A seated member who did not come: MEMBER_ABSENT, nothing written."""
    api, c, _ = world
    item = await on_the_agenda(api, c, [0, 1])
    before = await rows(c.slug)
    refused(await vote(api, c, item, 2, "MINOR"), "MemberAbsentError", "MEMBER_ABSENT")
    assert await rows(c.slug) == before


async def test_double_vote_is_refused(world):
    """The same member twice on one item: ALREADY_VOTED, the first vote stands alone."""
    api, c, _ = world
    item = await on_the_agenda(api, c, [0, 1, 2])
    assert (await vote(api, c, item, 0, "MINOR"))["__typename"] == "CouncilVote"
    before = await rows(c.slug)
    refused(await vote(api, c, item, 0, "MAJOR"), "AlreadyVotedError", "ALREADY_VOTED")
    assert await rows(c.slug) == before


async def test_vote_after_the_decision_is_refused(world):
    """A member voting on a decided item: SESSION_DECIDED, the tally unchanged."""
    api, c, _ = world
    item = await on_the_agenda(api, c, [0, 1, 2])
    for m in (0, 1):
        assert (await vote(api, c, item, m, "MINOR"))["__typename"] == "CouncilVote"
    assert (await decide(api, c, item))["__typename"] == "CouncilDecision"
    before = await rows(c.slug)
    refused(await vote(api, c, item, 2, "MAJOR"), "SessionDecidedError", "SESSION_DECIDED")
    refused(await decide(api, c, item), "SessionDecidedError", "SESSION_DECIDED")
    assert await rows(c.slug) == before


async def test_feedback_on_an_unresolved_matter_is_refused(world):
    """The resident rates a matter not yet resolved: FEEDBACK_BEFORE_RESOLUTION, no row."""
    api, c, _ = world
    resident = c.residents["home"]
    m = await register(api, c, "home", "pets", "大型犬未拴绳", by=resident, channel="ONLINE")
    before = await rows(c.slug)
    r = await api(
        "giveFeedback",
        resident,
        community=c.slug,
        matterId=m["id"],
        input={"rating": "UNSATISFIED", "reopenReason": "还没人来"},
    )
    refused(r, "FeedbackBeforeResolutionError", "FEEDBACK_BEFORE_RESOLUTION")
    assert await rows(c.slug) == before
    seen = await api("matter", resident, community=c.slug, id=m["id"])
    assert seen["matter"]["feedback"] == [] and seen["matter"]["status"] == "REGISTERED"


async def test_unknown_category_is_refused(world):
    """A category the community does not have: UNKNOWN_CATEGORY, the ledger unchanged."""
    api, c, _ = world
    before = await rows(c.slug)
    total = (await api("ledger", c.cadre, community=c.slug))["matters"]["totalCount"]
    r = await api(
        "registerRequest",
        c.workers[0],
        community=c.slug,
        input={
            "householdId": c.households["home"],
            "channel": "PHONE",
            "category": "flying_saucers",
            "title": "飞碟",
            "description": "天上有飞碟",
            "occurredOn": "2026-03-01",
        },
    )
    refused(r, "UnknownCategoryError", "UNKNOWN_CATEGORY")
    assert await rows(c.slug) == before
    assert (await api("ledger", c.cadre, community=c.slug))["matters"]["totalCount"] == total


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("title", "max_title_length"),
        ("description", "max_text_length"),
        ("place", "max_title_length"),
    ],
)
async def test_oversize_request_text_is_refused(world, settings, field, limit):
    """A request whose title, description or place is over its limit: TEXT_TOO_LONG."""
    api, c, _ = world
    before = await rows(c.slug)
    text = "长" * (getattr(settings, limit) + 1)
    r = await api(
        "registerRequest",
        c.workers[0],
        community=c.slug,
        input={
            "householdId": c.households["home"],
            "channel": "HOME_VISIT",
            "category": "sanitation",
            "title": "垃圾桶满溢",
            "description": "气味很大",
            "occurredOn": "2026-03-01",
        }
        | {field: text},
    )
    refused(r, "TextTooLongError", "TEXT_TOO_LONG")
    assert str(getattr(settings, limit)) in r["messageEn"]
    assert await rows(c.slug) == before


async def test_oversize_vote_note_and_feedback_comment_are_refused(world, settings):
    """A vote note and a feedback comment over the note limit: TEXT_TOO_LONG, nothing written."""
    api, c, _ = world
    item = await on_the_agenda(api, c, [0, 1, 2])
    too_long = "长" * (settings.max_note_length + 1)
    before = await rows(c.slug)
    r = await vote(api, c, item, 0, "MINOR", note=too_long)
    refused(r, "TextTooLongError", "TEXT_TOO_LONG")
    f = await api(
        "giveFeedback",
        c.residents["home"],
        community=c.slug,
        matterId=(await register(api, c, "home", "pets", "狗叫扰民"))["id"],
        input={"rating": "SATISFIED", "comment": too_long},
    )
    refused(f, "TextTooLongError", "TEXT_TOO_LONG")
    after = await rows(c.slug)
    # Only the registration made for the feedback attempt (matter, history, audit) was added.
    assert {k: after[k] - before[k] for k in TABLES} == dict.fromkeys(TABLES, 0) | {
        "matters": 1,
        "matter_transitions": 1,
        "audit_log": 1,
    }


async def test_request_for_another_communitys_household_is_refused(world):
    """The neighbour's household: HOUSEHOLD_NOT_FOUND here, COMMUNITY_NOT_FOUND there; no rows."""
    api, c, other = world
    before, before_other = await rows(c.slug), await rows(other.slug)
    request = {
        "householdId": other.households["far7"],
        "channel": "PHONE",
        "category": "sanitation",
        "title": "垃圾桶满溢",
        "description": "气味很大",
        "occurredOn": "2026-03-01",
    }
    for who in (c.cadre, c.workers[0]):
        r = await api("registerRequest", who, community=c.slug, input=request)
        refused(r, "HouseholdNotFoundError", "HOUSEHOLD_NOT_FOUND")
        # Registering it in the neighbour community itself: not theirs to see.
        r = await api("registerRequest", who, community=other.slug, input=request)
        refused(r, "CommunityNotFoundError", "COMMUNITY_NOT_FOUND")
    # A resident of this community, for a neighbour's household in it: the same answer.
    r = await api(
        "registerRequest",
        c.residents["home"],
        community=c.slug,
        input={
            "householdId": c.households["next"],
            "channel": "ONLINE",
            "category": "sanitation",
            "title": "垃圾桶满溢",
            "description": "气味很大",
            "occurredOn": "2026-03-01",
        },
    )
    refused(r, "HouseholdNotFoundError", "HOUSEHOLD_NOT_FOUND")
    assert await rows(c.slug) == before and await rows(other.slug) == before_other

"""The homeland council over HTTP: elect, open, attend, vote with members' own tokens, decide."""

from __future__ import annotations

import secrets
from datetime import date

from services.auth.model import Principal, Role, Scope, ScopeKind
from services.auth.tokens import issue_token
from services.grids.tables import Grid
from services.households.tables import Household
from services.matters import handlers as matters
from services.matters.model import Channel
from tenants.provisioning import create_community
from tenants.tx import tenant_tx

ELECT = """mutation($c: String!, $input: ElectCouncilMemberInput!) {
  electCouncilMember(community: $c, input: $input) {
    __typename ... on CouncilMember { id } ... on Error { code } } }"""
OPEN = """mutation($c: String!) {
  openCouncilSession(community: $c, input: {heldOn: "2026-03-20", title: "三月理事会"}) {
    __typename ... on CouncilSession { id } } }"""
ATTEND = """mutation($c: String!, $s: ID!, $ms: [ID!]!) {
  recordAttendance(community: $c, sessionId: $s, memberIds: $ms) {
    __typename ... on CouncilSession { attendees { id } } } }"""
AGENDA = """mutation($c: String!, $s: ID!, $m: ID!) {
  addToAgenda(community: $c, sessionId: $s, matterId: $m) {
    __typename ... on AgendaItem { id status } ... on Error { code } } }"""
VOTE = """mutation($c: String!, $i: ID!, $k: MatterKind!) {
  castVote(community: $c, input: {agendaItemId: $i, kind: $k, note: "社区和居民协商"}) {
    __typename ... on CouncilVote { kind member { name } } ... on Error { code message } } }"""
DECIDE = """mutation($c: String!, $i: ID!, $cv: MatterKind) {
  decideAgendaItem(community: $c, input: {agendaItemId: $i, castingVote: $cv}) {
    __typename ... on CouncilDecision { kind responsible tieBrokenByChair
      agendaItem { status tally { private minor votesCast } } }
    ... on Error { code message messageEn } } }"""


async def _setup(settings, seats: int) -> tuple[str, list[int], int]:
    """A fresh community with one grid, a household, a registered request: (slug, hh, matter)."""
    slug = f"council_http_{secrets.token_hex(3)}"
    await create_community(slug, "理事会社区", "testcounty")
    async with tenant_tx(slug):
        g = (await Grid.insert(Grid(code="g1", name="一网格")).returning(Grid.id).run())[0]["id"]
        hh = [
            (
                await Household.insert(Household(grid_id=g, address=f"东海路{i}号"))
                .returning(Household.id)
                .run()
            )[0]["id"]
            for i in range(seats + 1)
        ]
    cadre = Principal("cadre", frozenset({Role.COMMUNITY_CADRE}), Scope(ScopeKind.COMMUNITY, slug))
    m = await matters.register_request(
        cadre,
        slug,
        matters.RegisterRequestInput(
            household_id=hh[-1],
            channel=Channel.HOME_VISIT,
            category="street_lighting",
            title="巷口没有路灯",
            description="晚上很黑",
            occurred_on=date(2026, 3, 1),
        ),
        settings,
    )
    return slug, [g, *hh[:-1]], m.id


async def test_deliberation_over_http(gql, settings):
    """A cadre seats 3 and runs a session; members vote with their own tokens; a tie, then minor."""
    slug, (grid_id, *households), matter_id = await _setup(settings, 3)
    scope = Scope(ScopeKind.COMMUNITY, slug)
    cadre = issue_token(settings, subject="cadre-http", roles=[Role.COMMUNITY_CADRE], scope=scope)
    member_tokens: dict[str, str] = {}
    for n, hh in enumerate(households):
        subject = f"http-member-{n}-{secrets.token_hex(2)}"
        r = await gql(
            ELECT,
            {
                "c": slug,
                "input": {
                    "gridId": str(grid_id),
                    "name": f"代表{n}",
                    "electedOn": "2026-01-10",
                    "termEndsOn": "2029-01-09",
                    "householdId": str(hh),
                    "subject": subject,
                },
            },
            bearer=cadre,
        )
        member_id = r.json()["data"]["electCouncilMember"]["id"]
        member_tokens[member_id] = issue_token(
            settings, subject=subject, roles=[Role.COUNCIL_MEMBER], scope=scope
        )
    ids = list(member_tokens)
    session = (await gql(OPEN, {"c": slug}, bearer=cadre)).json()["data"]["openCouncilSession"]
    att = await gql(ATTEND, {"c": slug, "s": session["id"], "ms": ids[:2]}, bearer=cadre)
    assert len(att.json()["data"]["recordAttendance"]["attendees"]) == 2
    item = await gql(AGENDA, {"c": slug, "s": session["id"], "m": str(matter_id)}, bearer=cadre)
    item_id = item.json()["data"]["addToAgenda"]["id"]

    for member_id, kind in zip(ids[:2], ["PRIVATE", "MINOR"], strict=True):
        v = await gql(VOTE, {"c": slug, "i": item_id, "k": kind}, bearer=member_tokens[member_id])
        assert v.json()["data"]["castVote"]["__typename"] == "CouncilVote"
    absent = await gql(VOTE, {"c": slug, "i": item_id, "k": "MINOR"}, bearer=member_tokens[ids[2]])
    assert absent.json()["data"]["castVote"]["code"] == "MEMBER_ABSENT"
    by_cadre = await gql(VOTE, {"c": slug, "i": item_id, "k": "MINOR"}, bearer=cadre)
    assert by_cadre.json()["data"]["castVote"]["__typename"] == "ForbiddenError"

    tie = (await gql(DECIDE, {"c": slug, "i": item_id}, bearer=cadre)).json()["data"]
    assert tie["decideAgendaItem"]["__typename"] == "TieError"
    assert "casting vote" in tie["decideAgendaItem"]["messageEn"]
    decided = await gql(DECIDE, {"c": slug, "i": item_id, "cv": "MINOR"}, bearer=cadre)
    d = decided.json()["data"]["decideAgendaItem"]
    assert d["__typename"] == "CouncilDecision" and d["kind"] == "MINOR"
    assert d["tieBrokenByChair"] is True and d["agendaItem"]["status"] == "DECIDED"
    assert d["agendaItem"]["tally"] == {"private": 1, "minor": 1, "votesCast": 2}

    # Another community's cadre: the community is not found, nothing is decided there.
    other = issue_token(
        settings,
        subject="cadre-b",
        roles=[Role.COMMUNITY_CADRE],
        scope=Scope(ScopeKind.COMMUNITY, "beta"),
    )
    foreign = await gql(DECIDE, {"c": slug, "i": item_id}, bearer=other)
    assert foreign.json()["data"]["decideAgendaItem"]["code"] == "COMMUNITY_NOT_FOUND"

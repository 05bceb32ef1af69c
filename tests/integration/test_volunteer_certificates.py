"""Service hours and certificates through the GraphQL schema (real PostgreSQL): hours from
confirmed visits only, by month; a certificate numbered uniquely in the community, recorded
as issued; no certificate for a period without confirmed service; who reads what."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services import localtime
from services.auth.model import Role
from services.volunteers import certificates
from tenants.tx import tenant_tx
from tests.integration.groups_support import person, schema_runner
from tests.integration.volunteers_support import Served, served_household

CADRE = person(Role.COMMUNITY_CADRE)


@pytest.fixture(scope="module")
def gql(settings):
    return schema_runner(settings)


@pytest.fixture(scope="module")
async def served(settings, communities) -> Served:
    return await served_household(settings, "alpha", done=3)


HOURS = """query($c: String!, $v: ID!, $first: Date!, $last: Date!) { community(slug: $c) {
  volunteerHours(volunteerId: $v, first: $first, last: $last) { month teamId hours visits } } }"""
ISSUE = """mutation($c: String!, $v: ID!, $from: Date!, $to: Date!, $who: String!) {
  issueVolunteerCertificate(community: $c, volunteerId: $v, periodFrom: $from, periodTo: $to,
    responsiblePerson: $who) { __typename
    ... on VolunteerCertificate { number volunteerName hours visits organisation
      responsiblePerson issuedOn pagePath lines { title visits hours } }
    ... on Error { code message messageEn } } }"""
GET = """query($c: String!, $n: String!) { community(slug: $c) {
  volunteerCertificate(number: $n) { number hours } } }"""


def year() -> dict[str, str]:
    today = localtime.today()
    return {"first": (today - timedelta(days=360)).isoformat(), "last": today.isoformat()}


def period() -> dict[str, str]:
    today = localtime.today()
    return {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}


async def test_hours_count_confirmed_visits_only(gql, served):
    """Three confirmed visits of 1.5 hours: 4.5 hours; the fourth, done but not confirmed,
    does not count. The volunteer and the team's leader read it; a neighbour does not."""
    for reader in (served.volunteer, served.leader, CADRE):
        got = await gql(reader, HOURS, c="alpha", v=str(served.volunteer_id), **year())
        months = got["community"]["volunteerHours"]
        assert sum(float(m["hours"]) for m in months) == 4.5, (reader, months)
        assert sum(m["visits"] for m in months) == 3
    for outsider in (served.resident, person(Role.GRID_WORKER), person(Role.COUNCIL_MEMBER)):
        got = await gql(outsider, HOURS, c="alpha", v=str(served.volunteer_id), **year())
        assert got["community"]["volunteerHours"] is None


async def test_a_certificate_carries_what_the_rules_ask_and_numbers_run_on(gql, served):
    got = await gql(
        served.leader, ISSUE, c="alpha", v=str(served.volunteer_id), who="李队长", **period()
    )
    c = got["issueVolunteerCertificate"]
    assert c["__typename"] == "VolunteerCertificate", c
    year_now = localtime.today().year
    assert c["number"].startswith(f"ALPHA-{year_now}-")
    assert (c["volunteerName"], c["hours"], c["visits"], c["responsiblePerson"]) == (
        "李医生",
        "4.50",
        3,
        "李队长",
    )
    assert "金色港湾义工队" in c["organisation"] and c["issuedOn"] == localtime.today().isoformat()
    assert c["lines"] == [{"title": "每日量血压", "visits": 3, "hours": "4.50"}]
    assert c["pagePath"] == f"/communities/alpha/volunteer-certificates/{c['number']}"
    again = await gql(CADRE, ISSUE, c="alpha", v=str(served.volunteer_id), who="李队长", **period())
    n1 = int(c["number"].rsplit("-", 1)[1])
    n2 = int(again["issueVolunteerCertificate"]["number"].rsplit("-", 1)[1])
    assert n2 == n1 + 1  # every issuance recorded, each its own number
    async with tenant_tx("alpha") as tx:
        issued = await tx.connection.fetchval(
            "SELECT count(*) FROM volunteer_certificates WHERE volunteer_id = $1",
            served.volunteer_id,
        )
        logged = await tx.connection.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'volunteer.certificate.issue' "
            "AND subject = $1",
            f"volunteer:{served.volunteer_id}",
        )
    assert issued == logged == 2
    for reader, seen in (
        (served.volunteer, True),
        (served.leader, True),
        (CADRE, True),
        (served.resident, False),
        (person(Role.GRID_WORKER), False),
    ):
        got = await gql(reader, GET, c="alpha", n=c["number"])
        assert (got["community"]["volunteerCertificate"] is not None) is seen, reader


async def test_no_certificate_for_a_period_without_confirmed_service(gql, served):
    long_ago = {"from": "2025-01-01", "to": "2025-01-31"}
    async with tenant_tx("alpha") as tx:
        counter = await tx.connection.fetchval(
            "SELECT coalesce(max(last), 0) FROM certificate_counters"
        )
    got = await gql(CADRE, ISSUE, c="alpha", v=str(served.volunteer_id), who="李队长", **long_ago)
    err = got["issueVolunteerCertificate"]
    assert err["code"] == "NO_CONFIRMED_SERVICE" and err["message"] and err["messageEn"]
    async with tenant_tx("alpha") as tx:
        assert (
            await tx.connection.fetchval("SELECT coalesce(max(last), 0) FROM certificate_counters")
            == counter
        )  # no number taken


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"who": ""}, "INVALID_INPUT"),
        ({"who": "李\x00队长"}, "CONTROL_CHARACTERS"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "INVALID_INPUT"),  # reversed
        ({"from": "2024-01-01", "to": "2026-01-01"}, "INVALID_INPUT"),  # over a year
        ({"to": "2099-01-01", "from": "2098-12-01"}, "INVALID_INPUT"),  # the future
    ],
)
async def test_bad_certificate_input_is_typed_and_writes_nothing(gql, served, data, code):
    async with tenant_tx("alpha") as tx:
        before = await tx.connection.fetchval("SELECT count(*) FROM volunteer_certificates")
    args = {"who": "李队长", **period(), **data}
    got = await gql(CADRE, ISSUE, c="alpha", v=str(served.volunteer_id), **args)
    assert got["issueVolunteerCertificate"]["code"] == code, got
    async with tenant_tx("alpha") as tx:
        assert await tx.connection.fetchval("SELECT count(*) FROM volunteer_certificates") == before


async def test_only_those_who_manage_the_team_issue(gql, served):
    for nobody in (served.volunteer, served.resident, person(Role.GRID_WORKER)):
        got = await gql(
            nobody, ISSUE, c="alpha", v=str(served.volunteer_id), who="李队长", **period()
        )
        assert got["issueVolunteerCertificate"]["code"] in {"FORBIDDEN", "VOLUNTEER_NOT_FOUND"}
    beta = person(Role.COMMUNITY_CADRE, "beta")
    got = await gql(beta, ISSUE, c="alpha", v=str(served.volunteer_id), who="x", **period())
    assert got["issueVolunteerCertificate"]["code"] == "COMMUNITY_NOT_FOUND"


def test_the_page_escapes_what_people_typed():
    """Names and titles are people's text: rendered as text, never as markup."""
    row = certificates.CertificateRow(
        id=1, number="ALPHA-2026-0001", volunteer_id=1, group_id=1,
        period_from=date(2026, 11, 1), period_to=date(2026, 11, 30), hours=Decimal("4.5"),
        visits=3, content=[{"title": "<script>alert(1)</script>", "hours": "4.5", "visits": 3}],
        volunteer_name="李<b>医生</b>", volunteer_identity="本社区居民", organisation="金色港湾",
        responsible_person="李队长", issued_on=date(2026, 12, 4), issued_by="t",
    )  # fmt: skip
    page = certificates.render_html(row)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "李&lt;b&gt;医生&lt;/b&gt;" in page
    assert "http://" not in page and "https://" not in page  # nothing from anywhere else

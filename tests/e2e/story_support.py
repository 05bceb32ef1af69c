"""What the e2e stories over HTTP share: the API run as a given token with the documents
the frontend sends, households with residents who log in, a request registered, and the
homeland council deciding kinds with its members' own votes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from services import localtime
from services.auth.model import Role, Scope, ScopeKind
from services.auth.tokens import issue_token
from services.settings import Settings

SLUG = "alpha"


class Api:
    """Runs a graphql/operations document as a token; answers the root field's value."""

    def __init__(self, gql: Callable[..., Any], operation: Callable[[str], str]) -> None:
        self.gql, self.operation = gql, operation

    async def __call__(self, name: str, token: str, **variables: Any) -> Any:
        return await self.text(self.operation(name), token, **variables)

    async def text(self, query: str, token: str, **variables: Any) -> Any:
        r = await self.gql(query, {"community": SLUG} | variables, bearer=token)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body.get("errors") is None, body
        (value,) = body["data"].values()
        return value


@dataclass
class Home:
    """A household of alpha and the tokens of its residents who log in."""

    id: str
    address: str
    residents: list[str] = field(default_factory=list)  # resident ids
    tokens: list[str] = field(default_factory=list)  # their tokens, same order


def resident_token(settings: Settings, subject: str) -> str:
    return issue_token(
        settings, subject=subject, roles=[Role.RESIDENT], scope=Scope(ScopeKind.COMMUNITY, SLUG)
    )


async def make_home(
    api: Api,
    settings: Settings,
    cadre: str,
    grid: str,
    address: str,
    names: list[str],
    tag: str,
    circumstances: tuple[str, ...] = (),
) -> Home:
    """A household created by the cadre (with ``circumstances``, e.g. ELDERLY_LIVING_ALONE),
    each named resident with a login of their own."""
    made = await api(
        "createHousehold",
        cadre,
        input={"gridId": grid, "address": address, "circumstances": list(circumstances)},
    )
    assert made["__typename"] == "Household" and made["address"] == address, made
    home = Home(made["id"], address)
    for n, name in enumerate(names):
        subject = f"story.{tag}.{made['id']}.{n}"
        r = await api(
            "addResident",
            cadre,
            householdId=home.id,
            input={"name": name, "phone": "13900000000", "subject": subject},
        )
        assert (r["__typename"], r["householdId"], r["name"]) == ("Resident", home.id, name), r
        home.residents.append(r["id"])
        home.tokens.append(resident_token(settings, subject))
    return home


async def register_matter(api: Api, cadre: str, home: Home, **input: Any) -> dict:
    m = await api(
        "registerRequest",
        cadre,
        input={"householdId": home.id, "channel": "WALK_IN"} | input,
    )
    assert (m["__typename"], m["status"], m["householdId"]) == (
        "Matter",
        "REGISTERED",
        home.id,
    ), m
    return m


async def council_decides(
    api: Api, settings: Settings, cadre: str, grid: str, tag: str, kinds: dict[str, str]
) -> None:
    """The homeland council (家园理事会) decides each matter's kind, members voting themselves.

    Other tests may have seated members in alpha: three more than they seated are seated
    here, all present, so the quorum and the majority are this council's alone.
    """
    today = localtime.today().isoformat()
    session = await api("openCouncilSession", cadre, input={"heldOn": today, "title": "养犬议题"})
    assert session["__typename"] == "CouncilSession" and session["status"] == "OPEN", session
    seats = session["seatedCount"] + 3
    grids = [grid]
    while len(grids) * 3 < seats:  # three seats per grid
        g = await api(
            "createGrid", cadre, input={"code": f"c{len(grids)}-{tag}", "name": "理事网格"}
        )
        assert g["__typename"] == "Grid", g
        grids.append(g["id"])
    members: dict[str, str] = {}
    for n in range(seats):
        home = await make_home(
            api, settings, cadre, grids[n // 3], f"理事路{n + 1}号 {tag}", [], tag
        )
        subject = f"story.{tag}.council{n}"
        m = await api(
            "electCouncilMember",
            cadre,
            input={
                "gridId": grids[n // 3],
                "name": f"理事{n + 1}",
                "electedOn": today,
                "termEndsOn": (localtime.today() + timedelta(days=3 * 365)).isoformat(),
                "householdId": home.id,
                "subject": subject,
            },
        )
        assert m["__typename"] == "CouncilMember", m
        members[m["id"]] = issue_token(
            settings,
            subject=subject,
            roles=[Role.COUNCIL_MEMBER],
            scope=Scope(ScopeKind.COMMUNITY, SLUG),
        )
    present = await api("recordAttendance", cadre, sessionId=session["id"], memberIds=list(members))
    assert sorted(a["id"] for a in present["attendees"]) == sorted(members), present
    for matter_id, kind in kinds.items():
        item = await api("addToAgenda", cadre, sessionId=session["id"], matterId=matter_id)
        assert (item["__typename"], item["matterId"]) == ("AgendaItem", matter_id), item
        for token in members.values():
            vote = await api("castVote", token, input={"agendaItemId": item["id"], "kind": kind})
            assert (vote["__typename"], vote["kind"]) == ("CouncilVote", kind), vote
        d = await api("decideAgendaItem", cadre, input={"agendaItemId": item["id"]})
        assert (d["__typename"], d["kind"], d["present"]) == ("CouncilDecision", kind, seats), d
        assert d["agendaItem"]["status"] == "DECIDED"

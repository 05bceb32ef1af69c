"""The demo county `make run` seeds into an empty database: Shengsi (嵊泗县), its communities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from services.auth.model import SYSTEM, Principal
from services.communities import handlers as communities
from services.errors import CommunityExists
from services.grids import handlers as grids
from services.grids.queries import list_grids
from tenants import provisioning
from tenants.provisioning import CommunityInfo

COUNTY_CODE = "shengsi"
COUNTY_NAME_ZH = "嵊泗县"
COUNTY_NAME_EN = "Shengsi County"
# The county department the demo department officer's token is scoped to.
DEMO_DEPARTMENT = "transport"

_NUMERALS = "一二三四五六七八九十"


def _grids(count: int) -> tuple[tuple[str, str], ...]:
    """``(code, name)`` pairs g1..gN / 第一网格..: how grids are numbered on the ground."""
    return tuple((f"g{i}", f"第{_NUMERALS[i - 1]}网格") for i in range(1, count + 1))


@dataclass(frozen=True)
class DemoCommunity:
    """One community of the demo county and the grids it is split into."""

    slug: str
    name_zh: str
    name_en: str
    grids: tuple[tuple[str, str], ...]


# All three are communities of Caiyuan town (菜园镇), the county seat. Donghai is the
# pilot community of the source article (7 grids, 21 council members); the other two
# are plausible neighbours for trying cross-community views.
DEMO_COMMUNITIES: tuple[DemoCommunity, ...] = (
    DemoCommunity("donghai", "东海社区", "Donghai Community", _grids(7)),
    DemoCommunity("jinping", "金平社区", "Jinping Community", _grids(4)),
    DemoCommunity("haibin", "海滨社区", "Haibin Community", _grids(3)),
)


@dataclass
class SeedReport:
    """What one seeding run created (empty lists when everything was already there)."""

    county_created: bool = False
    communities_created: list[str] = field(default_factory=list)
    grids_created: list[str] = field(default_factory=list)  # "slug/code"
    skipped: list[str] = field(default_factory=list)  # slug taken by another county

    @property
    def changed(self) -> bool:
        return self.county_created or bool(self.communities_created or self.grids_created)


def should_seed(existing: Sequence[CommunityInfo]) -> bool:
    """Seed only a database that has no community at all (archived ones count).

    A county that already runs the platform must never find demo communities appearing
    beside its own after a restart.
    """
    return not existing


async def _ensure_county(actor: Principal) -> bool:
    """Create the demo county unless it exists, and install any routing default it lacks
    (departments, rules, deadlines); audited. True if the county was created."""
    return await communities.create_county(actor, COUNTY_CODE, COUNTY_NAME_ZH, COUNTY_NAME_EN)


async def seed_demo(actor: Principal = SYSTEM) -> SeedReport:
    """Create the demo county, its communities and their grids; idempotent.

    Everything goes through the same handlers as GraphQL and the CLI, so the audit log
    records the system principal as the author of each act. What already exists is left
    as it is; what is missing is added.
    """
    report = SeedReport(county_created=await _ensure_county(actor))
    for demo in DEMO_COMMUNITIES:
        try:
            await communities.create_community(
                actor, demo.slug, demo.name_zh, COUNTY_CODE, name_en=demo.name_en
            )
            report.communities_created.append(demo.slug)
        except CommunityExists:
            # Already there from an earlier run. A community of that slug in another
            # county is not ours to add grids to.
            if (await provisioning.get_community(demo.slug)).county_code != COUNTY_CODE:
                report.skipped.append(demo.slug)
                continue
        have = {g.code for g in await list_grids(demo.slug)}
        for code, name in demo.grids:
            if code not in have:
                await grids.create_grid(actor, demo.slug, code, name)
                report.grids_created.append(f"{demo.slug}/{code}")
    return report


async def seed_if_empty(actor: Principal = SYSTEM) -> SeedReport | None:
    """Seed the demo county when the database has no community yet; None when it had some."""
    if not should_seed(await provisioning.list_communities()):
        return None
    return await seed_demo(actor)

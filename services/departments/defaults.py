"""The default departments, routing rules and deadlines of a Chinese county (县).

Installed when a county is created (``services.communities.handlers.create_county``) and,
for counties that existed before, by ``sanshi departments install-defaults --county X``.
Installing is idempotent and never overwrites what a county administrator changed: a
department, a county-wide rule of a category, or the ``*`` deadline policy that already
exists is left as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from services import audit
from services.auth.model import SYSTEM, Principal
from services.communities.queries import counties_by_code
from services.departments.model import (
    ANY_CATEGORY,
    DEFAULT_ACK_WORKING_DAYS,
    DEFAULT_RESOLVE_WORKING_DAYS,
)
from services.errors import CountyNotFound
from tenants.slugs import validate_slug
from tenants.tx import platform_tx

FALLBACK_CODE = "coordination"


@dataclass(frozen=True)
class DefaultDepartment:
    """A department every county has (code, Chinese and English name)."""

    code: str
    name_zh: str
    name_en: str
    is_fallback: bool = False


DEFAULT_DEPARTMENTS: tuple[DefaultDepartment, ...] = (
    DefaultDepartment("transport", "县交通运输局", "County Transport Bureau"),
    DefaultDepartment(
        "urban_management",
        "县综合行政执法局（城管）",
        "County Comprehensive Administrative Law Enforcement Bureau (urban management)",
    ),
    DefaultDepartment("housing", "县住房和城乡建设局", "County Housing and Construction Bureau"),
    DefaultDepartment("civil_affairs", "县民政局", "County Civil Affairs Bureau"),
    DefaultDepartment("health", "县卫生健康局", "County Health Commission"),
    DefaultDepartment("public_security", "县公安局", "County Public Security Bureau"),
    DefaultDepartment(
        "market_supervision", "县市场监督管理局", "County Market Supervision Administration"
    ),
    DefaultDepartment(
        "natural_resources", "县自然资源和规划局", "County Natural Resources and Planning Bureau"
    ),
    DefaultDepartment("water", "县水利局", "County Water Resources Bureau"),
    DefaultDepartment("power_supply", "县供电公司", "County Power Supply Company"),
    DefaultDepartment("education", "县教育局", "County Education Bureau"),
    DefaultDepartment("environment", "市生态环境局县分局", "County Ecology and Environment Branch"),
    DefaultDepartment("emergency", "县应急管理局", "County Emergency Management Bureau"),
    DefaultDepartment(FALLBACK_CODE, "县协调办", "County Coordination Office", is_fallback=True),
)


@dataclass(frozen=True)
class DefaultRule:
    """A county-wide default rule: the departments of a category, and what they may see."""

    department_codes: tuple[str, ...]
    include_address: bool = False
    include_circumstances: bool = False


# Per category of services.matters.model.DEFAULT_CATEGORIES. Departments see the
# household's address only where they must go to the door (a repair, an illegal
# building, the supply to one home) and its circumstances (elderly living alone,
# disability, subsistence allowance ...) only where those decide the help given.
# neighbour_dispute and other have no rule: the coordination office takes them.
DEFAULT_RULES: Mapping[str, DefaultRule] = {
    "transport": DefaultRule(("transport",)),
    "illegal_construction": DefaultRule(("urban_management",), include_address=True),
    "housing_repair": DefaultRule(("housing",), include_address=True, include_circumstances=True),
    "home_lighting": DefaultRule(("power_supply",), include_address=True),
    "street_lighting": DefaultRule(("urban_management",)),
    "sanitation": DefaultRule(("urban_management",)),
    "road_and_drainage": DefaultRule(("housing", "water")),
    "public_facilities": DefaultRule(("housing",)),
    "public_health": DefaultRule(("health",)),
    "elderly_care": DefaultRule(
        ("civil_affairs",), include_address=True, include_circumstances=True
    ),
    "social_assistance": DefaultRule(
        ("civil_affairs",), include_address=True, include_circumstances=True
    ),
    "pets": DefaultRule(("public_security",)),
    "safety": DefaultRule(("emergency",)),
}


@dataclass(frozen=True)
class InstallReport:
    """What one install created (zeros when everything was there already)."""

    county: str
    departments: int
    rules: int
    deadline_policies: int

    @property
    def changed(self) -> bool:
        return bool(self.departments or self.rules or self.deadline_policies)


async def install_county_defaults(county: str, actor: Principal = SYSTEM) -> InstallReport:
    """Install the default departments, rules and deadlines in ``county`` (idempotent).

    One platform transaction. Existing rows win: a renamed or deactivated department,
    an edited (or deactivated) county-wide rule of a category and the ``*`` deadline
    policy are kept. CountyNotFound for an unknown county.
    """
    validate_slug(county)
    async with platform_tx() as tx:
        conn = tx.connection
        if county not in await counties_by_code([county]):
            raise CountyNotFound()
        # Serialise concurrent installs of one county (two `create_county` racing).
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('routing-defaults:' || $1))", county
        )
        departments = 0
        for d in DEFAULT_DEPARTMENTS:
            # Without a conflict target: a county that already has another fallback keeps it
            # (the one-fallback index) instead of failing the install.
            created = await conn.fetchval(
                "INSERT INTO platform.departments (county_code, code, name_zh, name_en, "
                "is_fallback) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1",
                county,
                d.code,
                d.name_zh,
                d.name_en,
                d.is_fallback,
            )
            departments += bool(created)
        rules = 0
        for category, rule in DEFAULT_RULES.items():
            created = await conn.fetchval(
                "INSERT INTO platform.routing_rules (county_code, category, department_codes, "
                "include_address, include_circumstances) "
                "SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM platform.routing_rules "
                "WHERE county_code = $1 AND category = $2 AND community_slug IS NULL "
                "AND grid_code IS NULL) RETURNING 1",
                county,
                category,
                list(rule.department_codes),
                rule.include_address,
                rule.include_circumstances,
            )
            rules += bool(created)
        policies = await conn.fetchval(
            "INSERT INTO platform.deadline_policies (county_code, category, ack_working_days, "
            "resolve_working_days) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1",
            county,
            ANY_CATEGORY,
            DEFAULT_ACK_WORKING_DAYS,
            DEFAULT_RESOLVE_WORKING_DAYS,
        )
        report = InstallReport(county, departments, rules, int(bool(policies)))
        if report.changed:
            await audit.record(
                tx,
                actor,
                "routing.install_defaults",
                f"county:{county}",
                after=asdict(report),
                platform=True,
            )
    return report

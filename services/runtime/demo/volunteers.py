"""The demo community's volunteer teams (义工队), seeded after its resident groups.

``seed_volunteers`` adds to a community ``seed_groups`` filled (金色港湾义工队 exists, its
leader has a login): Donghai's 13 teams and 300+ volunteers (a share of that in a smaller
community), each with the recorded consent, skills and weekdays; Golden Harbour's
25th-of-month blood-pressure round for every elderly person living alone (独居老人), with a
year of visits behind it — done and confirmed, done and not yet confirmed, missed — and the
coming 60 days planned; and one referral of a blood-pressure request set going as help (the
household enrolled in the round, with the resident's consent).

Teams, volunteers, the service and the enrolment go through the handlers. The past year's
visits are written as the hourly job and the acts would have left them (one statement): the
product plans visits forward only, so a year of history cannot come through it.
Deterministic for a seed and a day; a community with a volunteer already is left alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from services.auth.model import Principal, Role
from services.groups import handlers as groups
from services.groups.model import GroupKind
from services.households.model import Circumstance
from services.localtime import today as local_today
from services.runtime.demo.groups import DemoGroupPeople
from services.runtime.demo.triage import GOLDEN_HARBOUR, DemoPeople, principal
from services.settings import Settings
from services.volunteers import handlers as vh
from services.volunteers import services
from services.volunteers.model import Consent, ConsentHow, Skill, TargetKind, Weekday
from tenants.tx import tenant_tx

DEFAULT_SEED = 25  # the 25th: Golden Harbour's day

# Donghai's other twelve teams (13 with Golden Harbour), their main skill.
TEAMS: tuple[tuple[str, str, Skill], ...] = (
    ("东海红帆义工队", "Red Sail", Skill.COMPANIONSHIP),
    ("渔嫂互助义工队", "Fishermen's Wives", Skill.CLEANING),
    ("青年突击义工队", "Youth Task Force", Skill.ERRANDS),
    ("夕阳红陪护队", "Sunset Companions", Skill.COMPANIONSHIP),
    ("便民维修队", "Handy Repairs", Skill.REPAIRS),
    ("海岛健康义工队", "Island Health", Skill.BLOOD_PRESSURE),
    ("巾帼清洁队", "Clean Streets", Skill.CLEANING),
    ("代办跑腿队", "Errand Runners", Skill.ERRANDS),
    ("党员先锋队", "Party Pioneers", Skill.OTHER),
    ("退役军人志愿队", "Veterans", Skill.REPAIRS),
    ("护学岗义工队", "School Crossing", Skill.OTHER),
    ("文明养犬劝导队", "Civil Dog Owners", Skill.OTHER),
)
OUTSIDE_NAMES = ("周医生", "吴护士", "郑师傅", "冯老师", "陈同学", "褚阿姨", "卫大哥", "蒋阿姨")


@dataclass
class VolunteersReport:
    """What ``seed_volunteers`` created (``skipped``: the community had volunteers)."""

    slug: str
    skipped: bool = False
    teams: int = 0
    volunteers: int = 0
    visits: dict[str, int] = field(default_factory=dict)
    planned: int = 0
    enrolled_by_referral: int = 0


async def _has_volunteers(slug: str) -> bool:
    async with tenant_tx(slug, snapshot=True) as tx:
        return bool(await tx.connection.fetchval("SELECT EXISTS (SELECT 1 FROM volunteers)"))


async def seed_volunteers(
    slug: str, *, settings: Settings, today: date | None = None, rng_seed: int = DEFAULT_SEED
) -> VolunteersReport:
    """Seed the community's volunteer teams (see the module docstring); idempotent."""
    if await _has_volunteers(slug):
        return VolunteersReport(slug, skipped=True)
    today = today or local_today()
    rng = random.Random(rng_seed)  # noqa: S311 - demo data: a seeded generator is the point
    cadre = principal(slug, DemoPeople(slug).secretary, Role.COMMUNITY_CADRE)
    leader = principal(slug, DemoGroupPeople(slug).volunteer_leader, Role.RESIDENT)
    report = VolunteersReport(slug)
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        golden = await conn.fetchval(
            "SELECT id FROM groups WHERE kind = 'volunteer_team' AND name_zh = $1",
            GOLDEN_HARBOUR[1],
        )
        households = await conn.fetchval("SELECT count(*) FROM households")
        free = [
            r["id"]
            for r in await conn.fetch(
                "SELECT r.id FROM residents r WHERE r.subject IS NULL AND NOT EXISTS "
                "(SELECT 1 FROM group_members m WHERE m.resident_id = r.id) ORDER BY r.id"
            )
        ]
    if golden is None:  # seed_groups did not run here: nothing to build on
        return VolunteersReport(slug, skipped=True)
    share = min(1.0, households / 2000)
    teams = [golden]
    founded = today - timedelta(days=900)
    for name_zh, name_en, _ in TEAMS[: max(2, round(len(TEAMS) * share))]:
        made = await groups.register_group(
            cadre,
            slug,
            groups.GroupInput(
                GroupKind.VOLUNTEER_TEAM,
                name_zh,
                founded + timedelta(days=rng.randint(0, 500)),
                purpose=f"{name_zh}：为社区居民提供志愿服务",
                name_en=f"{name_en} Volunteer Team",
            ),
        )
        teams.append(made.group.id)
    report.teams = len(teams)
    skills = [Skill.BLOOD_PRESSURE, *(s for _, _, s in TEAMS)]
    wanted = max(len(teams) * 8, round(310 * share))
    rng.shuffle(free)
    volunteer_ids: dict[int, list[int]] = {t: [] for t in teams}
    joined_at = today - timedelta(days=400)
    for n in range(wanted):
        t = n % len(teams)
        team = teams[t]
        main = skills[t] if t < len(skills) else Skill.OTHER
        extra = rng.sample(list(Skill), k=rng.randint(0, 2))
        days = rng.sample(list(Weekday), k=rng.randint(2, 5))
        joined = joined_at + timedelta(days=rng.randint(0, 300))
        how = rng.choice(list(ConsentHow))
        consent = Consent(joined - timedelta(days=rng.randint(0, 7)), how, "志愿者登记表")
        if free and n % 9:
            data = vh.VolunteerInput(
                joined, consent, resident_id=free.pop(), skills=(main, *extra), weekdays=tuple(days)
            )
        else:  # some come from outside the community
            data = vh.VolunteerInput(
                joined,
                consent,
                outside_name=f"{rng.choice(OUTSIDE_NAMES)}{n}",
                outside_phone=f"139{rng.randrange(10**8):08d}",
                skills=(main, *extra),
                weekdays=tuple(days),
            )
        acted = leader if team == golden else cadre
        made_v = await vh.register_volunteer(acted, slug, team, data)
        volunteer_ids[team].append(made_v.volunteer.id)
    report.volunteers = wanted
    # Golden Harbour's 25th-of-month round for elderly people living alone.
    first_25th = (today - timedelta(days=365)).replace(day=25)
    service = await services.create_service(
        leader,
        slug,
        golden,
        services.ServiceInput(
            title_zh="每月25日上门量血压",
            title_en="Blood pressure on the 25th",
            rrule="FREQ=MONTHLY;BYMONTHDAY=25",
            starts_on=first_25th,
            target_kind=TargetKind.CIRCUMSTANCE,
            target_circumstance=Circumstance.ELDERLY_LIVING_ALONE,
            what="上门量血压、问候独居老人",
            skill=Skill.BLOOD_PRESSURE,
            hours_default=Decimal("1.5"),
        ),
    )
    report.visits = await _history(slug, service.id, golden, volunteer_ids[golden], today, rng)
    async with tenant_tx(slug, snapshot=True) as tx:
        report.planned = await tx.connection.fetchval(
            "SELECT count(*) FROM visits WHERE service_id = $1 AND status = 'planned'",
            service.id,
        )
    report.enrolled_by_referral = await _referral_as_help(slug, leader, service.id)
    return report


async def _history(
    slug: str,
    service_id: int,
    team: int,
    volunteers: list[int],
    today: date,
    rng: random.Random,
) -> dict[str, int]:
    """The past year of the round: each 25th before today, each household living alone, a
    visit assigned to one of the team's volunteers — mostly done and confirmed, some done
    and not yet confirmed, a few missed."""
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        homes = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM households WHERE elderly_living_alone ORDER BY id"
            )
        ]
        start = today - timedelta(days=365)
        days = [d for d in _25ths(start, today) if d < today]
        cols: dict[str, list] = {k: [] for k in ("home", "day", "vol", "status", "hours", "conf")}
        counts = {"done_confirmed": 0, "done": 0, "missed": 0}
        for day in days:
            for home in homes:
                roll = rng.random()
                status = "missed" if roll < 0.06 else "done"
                confirmed = status == "done" and roll > 0.16
                counts[
                    "missed" if status == "missed" else "done_confirmed" if confirmed else "done"
                ] += 1
                cols["home"].append(home)
                cols["day"].append(day)
                cols["vol"].append(rng.choice(volunteers) if volunteers else None)
                cols["status"].append(status)
                cols["hours"].append(Decimal("1.5") if status == "done" else None)
                cols["conf"].append(confirmed)
        await conn.execute(
            "INSERT INTO visits (kind, service_id, group_id, household_id, day, what, "
            "volunteer_id, status, notes, hours, reported_by, reported_at, confirmed_by, "
            "confirmed_at) SELECT 'visit', $1, $2, h, d, '上门量血压、问候独居老人', v, s, "
            "CASE WHEN s = 'done' THEN '血压已测，老人情况平稳' ELSE '' END, hr, "
            "CASE WHEN s = 'done' THEN 'demo.volunteer' END, "
            "CASE WHEN s = 'done' THEN d + time '10:00' END, "
            "CASE WHEN c THEN 'demo.resident' END, CASE WHEN c THEN d + time '18:00' END "
            "FROM unnest($3::int[], $4::date[], $5::int[], $6::text[], $7::numeric[], "
            "$8::bool[]) AS t(h, d, v, s, hr, c) "
            "ON CONFLICT (service_id, household_id, day) WHERE service_id IS NOT NULL DO NOTHING",
            service_id,
            team,
            cols["home"],
            cols["day"],
            cols["vol"],
            cols["status"],
            cols["hours"],
            cols["conf"],
        )
    return counts


async def _referral_as_help(slug: str, leader: Principal, service_id: int) -> int:
    """One blood-pressure request referred to Golden Harbour becomes help: its household is
    enrolled in the round with the resident's consent (an elderly person living alone is
    visited by the round anyway: the enrolment ties the matter to that help, and the
    matter shows the next visit)."""
    async with tenant_tx(slug, snapshot=True) as tx:
        found = await tx.connection.fetchrow(
            "SELECT r.id, r.matter_id, m.household_id FROM referrals r "
            "JOIN matters m ON m.id = r.matter_id JOIN groups g ON g.id = r.group_id "
            "WHERE g.name_zh = $1 AND m.status <> 'withdrawn' ORDER BY r.id LIMIT 1",
            GOLDEN_HARBOUR[1],
        )
    if found is None:
        return 0
    day = local_today()
    await services.enrol_household(
        leader,
        slug,
        service_id,
        services.EnrolmentInput(
            household_id=found["household_id"],
            consent_by="居民本人",
            consent_on=day,
            enrolled_on=day,
            consent_note="电话确认同意每月25日上门",
            matter_id=found["matter_id"],
            referral_id=found["id"],
        ),
    )
    return 1


def _25ths(first: date, last: date) -> list[date]:
    """Every 25th from ``first`` to ``last``."""
    out, month = [], first.replace(day=1)
    while month <= last:
        day = month.replace(day=25)
        if first <= day <= last:
            out.append(day)
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def describe(report: VolunteersReport) -> tuple[str, str]:
    """One line of what was seeded, in Chinese and in English (progress output)."""
    r = report
    if r.skipped:
        return f"  {r.slug}: 已有志愿者，未播种", f"{r.slug}: volunteers exist; not seeded"
    v = r.visits
    zh = (
        f"  {r.slug}: 义工队 {r.teams} 支、志愿者 {r.volunteers} 名；金色港湾每月25日上门："
        f"已完成并确认 {v.get('done_confirmed', 0)}、待确认 {v.get('done', 0)}、漏访 "
        f"{v.get('missed', 0)}，未来待服务 {r.planned}；转介纳入服务 {r.enrolled_by_referral} 户"
    )
    en = (
        f"teams {r.teams}, volunteers {r.volunteers}; Golden Harbour's 25th round: "
        f"{v.get('done_confirmed', 0)} done and confirmed, {v.get('done', 0)} to confirm, "
        f"{v.get('missed', 0)} missed, {r.planned} planned; {r.enrolled_by_referral} enrolled "
        "by referral"
    )
    return zh, en

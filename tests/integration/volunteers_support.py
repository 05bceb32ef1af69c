"""What the volunteers' tests share: a team with a volunteer who logs in, a daily service
for one household, and visits that were done and confirmed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from services import localtime
from services.auth.model import Principal, Role
from services.grids.handlers import create_grid
from services.groups import handlers as groups
from services.groups.model import GroupKind, GroupRole
from services.households import handlers as hh
from services.settings import Settings
from services.volunteers import handlers as vh
from services.volunteers import services, visits
from services.volunteers.model import Consent, ConsentHow, Skill, TargetKind
from tenants.tx import tenant_tx
from tests.integration.groups_support import person


@dataclass
class Served:
    """A team, its leader, a volunteer and the household they served."""

    team: int
    leader: Principal
    volunteer_id: int
    volunteer: Principal  # the volunteer's own login
    household: int
    resident: Principal  # the served household's resident
    confirmed: list[int]  # visits done and confirmed, oldest first
    unconfirmed: int  # a visit done, not confirmed


async def served_household(settings: Settings, slug: str, *, done: int = 3) -> Served:
    """A team whose volunteer 李医生 did ``done`` confirmed visits of 1.5 hours in the past
    days (planned by a daily service started a week ago), and one not confirmed."""
    tag = secrets.token_hex(3)
    cadre = person(Role.COMMUNITY_CADRE, slug)
    grid = (await create_grid(cadre, slug, f"vs-{tag}", "证明网格")).id
    people: dict[str, tuple[int, int, str]] = {}
    for key, name in (("elder", "王大爷"), ("leader", "李队长"), ("volunteer", "李医生")):
        h = await hh.create_household(
            cadre, slug, hh.HouseholdInput(grid, f"{name}家 {tag}", 1), settings
        )
        subject = f"{key}-{tag}"
        r = await hh.add_resident(
            cadre, slug, h.id, hh.ResidentInput(name, "13800000003", subject), settings
        )
        people[key] = (h.id, r.id, subject)
    started = date(2024, 5, 1)
    team = await groups.register_group(
        cadre, slug, groups.GroupInput(GroupKind.VOLUNTEER_TEAM, f"金色港湾义工队 {tag}", started)
    )
    gid = team.group.id
    home, res, leader_subject = people["leader"]
    await groups.add_member(
        cadre, slug, gid, groups.MemberInput(home, started, res, GroupRole.LEADER)
    )
    today = localtime.today()
    first = today - timedelta(days=done + 2)
    made = await vh.register_volunteer(
        cadre, slug, gid,
        vh.VolunteerInput(first, Consent(first, ConsentHow.WRITTEN),
                          resident_id=people["volunteer"][1], skills=(Skill.BLOOD_PRESSURE,)),
    )  # fmt: skip
    service = await services.create_service(
        cadre, slug, gid,
        services.ServiceInput(title_zh="每日量血压", rrule="FREQ=DAILY", starts_on=first,
                              target_kind=TargetKind.LIST),
    )  # fmt: skip
    elder_home = people["elder"][0]
    # Visits of past days (what the job would have planned then), one per day.
    async with tenant_tx(slug) as tx:
        ids = [
            await tx.connection.fetchval(
                "INSERT INTO visits (kind, service_id, group_id, household_id, day, what) "
                "VALUES ('visit', $1, $2, $3, $4, '上门量血压') RETURNING id",
                service.id,
                gid,
                elder_home,
                first + timedelta(days=i),
            )
            for i in range(done + 1)
        ]
    volunteer = person(Role.RESIDENT, slug, people["volunteer"][2])
    resident = person(Role.RESIDENT, slug, people["elder"][2])
    for visit in ids:
        await visits.assign_visit(cadre, slug, visit, made.volunteer.id)
        await visits.report_visit(
            volunteer, slug, visit, visits.Report(True, "血压平稳", Decimal("1.5"))
        )
    for visit in ids[:done]:
        await visits.confirm_visit(resident, slug, visit)
    return Served(
        team=gid,
        leader=person(Role.RESIDENT, slug, leader_subject),
        volunteer_id=made.volunteer.id,
        volunteer=volunteer,
        household=elder_home,
        resident=resident,
        confirmed=ids[:done],
        unconfirmed=ids[done],
    )

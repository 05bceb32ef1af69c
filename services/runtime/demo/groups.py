"""The demo community's resident groups (居民自治组织), seeded after its year of triage.

``seed_groups`` adds to a community that ``seed_realistic`` filled, through the groups and
matters handlers and by the person who would act (the secretary registers groups and
records paper ballots, the association's leader and core run its business with their own
logins, members settle their own duties):

- **the dog owners' association (养犬自治协会)**, founded by the major matter of the dog
  disputes (``DOG_DISPUTES_TITLE``): 80+ member households (a share of a smaller
  community) with their dogs — some large, some fierce (烈性犬), a few with an overdue
  vaccination or no licence (犬证); a leader; its 5-member core (骨干) elected by the
  members' ballots and published, on the core from the election's term; the convention
  《居民宠物豢养自治公约》 adopted by the members' vote (large and fierce dogs muzzled and
  leashed outdoors; a bite: apologise, hospital at once, advance the costs; fouling,
  barking); incidents in various states — duties fulfilled, refused, still owed, and one
  left unfulfilled past due and escalated into a minor matter for community mediation;
- **金色港湾义工队 (Golden Harbour volunteer team)**: registering it links the year's free-text
  referrals made to it by name; its leader accepts and completes some of them;
- **an elders' association (老年协会)** and **a sea-fishing interest group (海钓兴趣小组)**,
  with members.

Deterministic for a seed and a day; a community that already has a group is left alone.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from services.auth.model import Principal, Role
from services.groups import conventions, dogs, elections, queries, referrals
from services.groups import handlers as groups
from services.groups.model import (
    DutyState,
    GroupKind,
    GroupRole,
    IncidentKind,
    SizeClass,
)
from services.households import handlers as households
from services.households.handlers import ResidentChanges
from services.kernel.votes import Answer
from services.localtime import TIME_ZONE
from services.localtime import today as local_today
from services.matters.model import MatterKind, MatterStatus
from services.runtime.demo.triage import DOG_DISPUTES_TITLE, GOLDEN_HARBOUR, DemoPeople, principal
from services.settings import Settings
from tenants.tx import tenant_tx

ASSOCIATION = "东海养犬自治协会"
CONVENTION = "居民宠物豢养自治公约"
ASSOCIATION_HOUSEHOLDS = 86  # "80+ dog-owning households" (DOMAIN.md)
CORE_SEATS = 5
CANDIDATES = 7
DEFAULT_GROUPS_SEED = 20150601

# Breeds by size class, and the fierce ones (烈性犬) a convention binds whatever the size.
BREEDS: dict[SizeClass, tuple[str, ...]] = {
    SizeClass.SMALL: ("泰迪", "比熊", "博美", "吉娃娃", "柯基", "中华田园犬（小）"),
    SizeClass.MEDIUM: ("柴犬", "边境牧羊犬", "中华田园犬", "雪纳瑞", "松狮"),
    SizeClass.LARGE: ("金毛", "拉布拉多", "阿拉斯加", "萨摩耶", "德国牧羊犬"),
}
FIERCE_BREEDS: tuple[tuple[str, SizeClass], ...] = (
    ("藏獒", SizeClass.LARGE),
    ("比特犬", SizeClass.MEDIUM),
    ("罗威纳", SizeClass.LARGE),
)
DOG_NAMES = ("旺财", "豆豆", "球球", "黑子", "小白", "大黄", "毛毛", "乐乐", "来福", "花花")


@dataclass(frozen=True)
class DemoGroupPeople:
    """The login subjects the seed gives some group members (tokens can act as them)."""

    slug: str

    def dog_owner(self, n: int) -> str:
        """养犬协会成员 n: 1 is the leader (负责人), 2..7 the candidates for the core."""
        return f"{self.slug}.dogs.member{n}"

    @property
    def volunteer_leader(self) -> str:
        """金色港湾义工队负责人."""
        return f"{self.slug}.volunteers.leader"


@dataclass
class GroupsReport:
    """What ``seed_groups`` created (``skipped`` when the community had groups already)."""

    slug: str
    skipped: bool = False
    groups: int = 0
    members: int = 0
    dogs: int = 0
    overdue_vaccinations: int = 0
    ballots: int = 0
    core: int = 0
    incidents: int = 0
    duties: Counter[str] = field(default_factory=Counter)
    escalated: int = 0
    referrals_linked: int = 0
    referrals_acted: Counter[str] = field(default_factory=Counter)


@dataclass
class _Household:
    id: int
    address: str
    residents: list[int]
    linked: bool  # a resident has a login already (the DOMAIN cases' households)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local time on ``day`` (the community's time zone)."""
    return datetime.combine(day, time(hour, minute), tzinfo=TIME_ZONE)


async def _households(slug: str) -> list[_Household]:
    """The community's households with their residents, by id (a read of the seed's own)."""
    async with tenant_tx(slug, snapshot=True) as tx:
        rows = await tx.connection.fetch(
            "SELECT h.id, h.address, array_agg(r.id ORDER BY r.id) AS residents, "
            "bool_or(r.subject IS NOT NULL) AS linked "
            "FROM households h JOIN residents r ON r.household_id = h.id "
            "GROUP BY h.id ORDER BY h.id"
        )
    return [_Household(r["id"], r["address"], list(r["residents"]), r["linked"]) for r in rows]


async def _has_groups(slug: str) -> bool:
    async with tenant_tx(slug, snapshot=True) as tx:
        return bool(await tx.connection.fetchval("SELECT EXISTS (SELECT 1 FROM groups)"))


async def _matter_titled(slug: str, title: str) -> int | None:
    async with tenant_tx(slug, snapshot=True) as tx:
        found = await tx.connection.fetchval(
            "SELECT id FROM matters WHERE title = $1 ORDER BY id LIMIT 1", title
        )
    return int(found) if found is not None else None


async def _give_login(
    slug: str, cadre: Principal, resident_id: int, subject: str, settings: Settings
) -> Principal:
    """Link a login to a resident (the community's own act), and act as them."""
    await households.update_resident(
        cadre, slug, resident_id, ResidentChanges(subject=subject), settings
    )
    return principal(slug, subject, Role.RESIDENT)


class _Seeder:
    def __init__(self, slug: str, settings: Settings, rng: random.Random, today: date) -> None:
        self.slug, self.settings, self.rng, self.today = slug, settings, rng, today
        people = DemoPeople(slug)
        self.cadre = principal(slug, people.secretary, Role.COMMUNITY_CADRE)
        self.grid_worker = principal(slug, people.grid_worker(1), Role.GRID_WORKER)
        self.people = DemoGroupPeople(slug)
        self.report = GroupsReport(slug)

    async def group(
        self,
        kind: GroupKind,
        name: str,
        founded_on: date,
        purpose: str,
        *,
        name_en: str = "",
        founding_matter_id: int | None = None,
    ) -> int:
        view = await groups.register_group(
            self.cadre,
            self.slug,
            groups.GroupInput(
                kind,
                name,
                founded_on,
                purpose=purpose,
                name_en=name_en,
                founding_matter_id=founding_matter_id,
            ),
        )
        self.report.groups += 1
        return view.group.id

    async def join(
        self,
        group_id: int,
        home: _Household,
        joined_on: date,
        *,
        role: GroupRole = GroupRole.MEMBER,
        resident: int | None = None,
    ) -> int:
        member = await groups.add_member(
            self.cadre,
            self.slug,
            group_id,
            groups.MemberInput(home.id, joined_on, resident, role),
        )
        self.report.members += 1
        return member.member.id

    # -- the dog owners' association ---------------------------------------------------------
    async def association(self, homes: list[_Household]) -> None:
        rng, slug, s = self.rng, self.slug, self.settings
        matter_id = await _matter_titled(slug, DOG_DISPUTES_TITLE)
        # Founded a month after the council took the disputes as a major matter.
        founded = self.today - timedelta(days=300)
        gid = await self.group(
            GroupKind.SELF_GOVERNANCE,
            ASSOCIATION,
            founded,
            "养犬户自我管理：犬只登记与免疫、文明养犬、纠纷自行调处",
            name_en="Donghai Dog Owners' Self-Governance Association",
            founding_matter_id=matter_id,
        )
        # 86 of Donghai's ~1,300 households the seed draws owners from; a share elsewhere.
        size = min(ASSOCIATION_HOUSEHOLDS, max(CANDIDATES + 4, len(homes) // 15))
        owners = rng.sample(homes, k=min(size, len(homes)))
        # The first CANDIDATES owners get logins: 1 leads, 2..7 stand for the core.
        logins: list[Principal] = []
        members: list[int] = []
        for n, home in enumerate(owners, start=1):
            joined = founded + timedelta(days=rng.randint(0, 20))
            named = n <= CANDIDATES
            resident = home.residents[0] if named else None
            if named:
                logins.append(
                    await _give_login(
                        slug, self.cadre, home.residents[0], self.people.dog_owner(n), s
                    )
                )
            role = GroupRole.LEADER if n == 1 else GroupRole.MEMBER
            members.append(await self.join(gid, home, joined, role=role, resident=resident))
        leader = logins[0]
        dog_ids = await self.register_dogs(gid, owners, leader)
        await self.elect_core(gid, founded, members, logins)
        await self.adopt_convention(gid, members, leader)
        await self.incidents(gid, owners, members, dog_ids, leader)

    async def register_dogs(
        self, gid: int, owners: list[_Household], leader: Principal
    ) -> dict[int, list[tuple[int, SizeClass, bool]]]:
        """Each member household's dogs (1, sometimes 2), registered by the leader."""
        rng = self.rng
        out: dict[int, list[tuple[int, SizeClass, bool]]] = {}
        for home in owners:
            for _ in range(1 if rng.random() < 0.8 else 2):
                fierce = rng.random() < 0.08
                if fierce:
                    breed, size = rng.choice(FIERCE_BREEDS)
                else:
                    size = rng.choices(list(BREEDS), weights=(5, 3, 2))[0]
                    breed = rng.choice(BREEDS[size])
                # Most vaccinated within the year; some overdue; a few never recorded.
                roll = rng.random()
                if roll < 0.82:
                    vaccinated: date | None = self.today - timedelta(days=rng.randint(10, 340))
                elif roll < 0.95:
                    vaccinated = self.today - timedelta(days=rng.randint(380, 700))
                else:
                    vaccinated = None
                licensed = rng.random() < 0.9
                view = await dogs.register_dog(
                    leader,
                    self.slug,
                    gid,
                    dogs.DogInput(
                        household_id=home.id,
                        name=rng.choice(DOG_NAMES),
                        size_class=size,
                        breed=breed,
                        fierce=fierce,
                        vaccinated_on=vaccinated,
                        license_no=f"嵊犬{rng.randint(100000, 999999)}" if licensed else None,
                    ),
                )
                self.report.dogs += 1
                self.report.overdue_vaccinations += view.vaccination_overdue
                out.setdefault(home.id, []).append((view.dog.id, size, fierce))
        return out

    async def elect_core(
        self, gid: int, founded: date, members: list[int], logins: list[Principal]
    ) -> None:
        """Seven candidates for five seats; most households vote (paper ballots recorded by
        the secretary, the candidates with their own logins); counted and published."""
        held = founded + timedelta(days=30)
        opened = await elections.open_election(
            logins[0],
            self.slug,
            gid,
            elections.ElectionInput(
                title=f"第一届骨干选举（{held.year}年）",
                term_starts_on=held,
                term_ends_on=held + timedelta(days=3 * 365 - 1),
                seats=CORE_SEATS,
                votes_per_ballot=CORE_SEATS,
                candidates=tuple(members[:CANDIDATES]),
            ),
        )
        elected: list[int] = []
        election_id, seats = opened.election.id, CORE_SEATS
        candidates = [c.id for c in opened.candidates]
        while True:
            await self.ballots(election_id, candidates, seats, logins, members)
            await elections.close_election(logins[0], self.slug, election_id)
            published = await elections.publish_election(logins[0], self.slug, election_id)
            tally = published.tally
            assert tally is not None  # a published election has its count
            elected.extend(tally.elected)
            if tally.runoff_election_id is None:
                break
            # Tied for the last seats: a runoff among the tied, as the kernel says.
            runoff = await queries.get_election(logins[0], self.slug, gid, tally.runoff_election_id)
            election_id, seats = runoff.election.id, runoff.election.seats
            candidates = [c.id for c in runoff.candidates]
        self.report.core = len(elected)

    async def ballots(
        self,
        election_id: int,
        candidates: list[int],
        seats: int,
        logins: list[Principal],
        members: list[int],
    ) -> None:
        """The candidates vote with their own logins; most other households' paper ballots
        are recorded by the secretary. Appeal decreases with the candidate's number."""
        rng = self.rng
        weights = [10 - i for i in range(len(candidates))]

        def ballot() -> list[int]:
            chosen: list[int] = []
            pool, w = list(candidates), list(weights)
            while len(chosen) < seats and pool:
                pick = rng.choices(range(len(pool)), weights=w)[0]
                chosen.append(pool.pop(pick))
                w.pop(pick)
            return chosen

        for voter in logins:
            await elections.cast_election_ballot(voter, self.slug, election_id, ballot())
            self.report.ballots += 1
        for member_id in members[len(logins) :]:
            if rng.random() < 0.85:
                await elections.cast_election_ballot(
                    self.cadre, self.slug, election_id, ballot(), member_id=member_id
                )
                self.report.ballots += 1

    async def adopt_convention(self, gid: int, members: list[int], leader: Principal) -> None:
        """The convention, drafted by the leader, adopted by the members' vote."""
        rng = self.rng
        draft = conventions.ClauseDraft
        clauses = (
            draft(1, "养犬户应为犬只办理犬证，每年按时免疫，并向协会登记。",
                  "Owners license their dogs, vaccinate them every year and register them."),
            draft(2, "大型犬、烈性犬外出须佩戴嘴套、牵引绳，由成年人牵领。",
                  "Large and fierce dogs wear a muzzle and a leash outdoors, led by an adult.",
                  size_classes=("large",), fierce=True, incident_kinds=("off_leash",),
                  duties=(("apologise", 24),)),
            draft(3, "犬只伤人的，犬主应立即道歉，立即送伤者就医，并先行垫付医疗费用。",
                  "If a dog injures someone, the owner apologises, takes the injured to "
                  "hospital at once and advances the costs.",
                  incident_kinds=("dog_bite",),
                  duties=(("apologise", 24), ("hospital", 2), ("advance_costs", 72))),
            draft(4, "犬只在公共区域便溺的，犬主应即时清理。",
                  "Owners clean up at once after their dogs in public places.",
                  incident_kinds=("fouling",), duties=(("apologise", 24),)),
            draft(5, "夜间十时至次日七时，犬主应避免犬只吠叫扰民。",
                  "From 10 pm to 7 am owners keep their dogs from disturbing the neighbours.",
                  incident_kinds=("barking",), duties=(("apologise", 48),)),
            draft(6, "成员间因养犬发生纠纷的，先由协会骨干调处；调处不成的，提交社区。",
                  "Disputes between members over dogs go to the core first, then to the "
                  "community."),
        )  # fmt: skip
        created = await conventions.create_convention(
            leader,
            self.slug,
            gid,
            conventions.ConventionInput(
                CONVENTION, clauses, title_en="Residents' Pet-Keeping Convention"
            ),
        )
        version_id = created.versions[0].version.id
        await conventions.open_convention_vote(leader, self.slug, version_id)
        for member_id in members:
            roll = rng.random()
            if roll < 0.12:
                continue  # did not vote
            answer = Answer.YES if roll < 0.86 else Answer.NO if roll < 0.95 else Answer.ABSTAIN
            await conventions.cast_convention_ballot(
                self.cadre, self.slug, version_id, answer, member_id=member_id
            )
        await conventions.close_convention_vote(leader, self.slug, version_id)

    async def incidents(
        self,
        gid: int,
        owners: list[_Household],
        members: list[int],
        dog_ids: dict[int, list[tuple[int, SizeClass, bool]]],
        leader: Principal,
    ) -> None:
        """A few incidents in various states: a bite with its duties fulfilled; a bite whose
        costs were refused and then left unpaid, escalated into a minor matter; fouling
        settled; an off-leash fierce dog whose apology is still owed; barking."""
        member_of = dict(zip((h.id for h in owners), members, strict=True))
        by_size = [
            (home, dog)
            for home in owners
            for dog in dog_ids.get(home.id, ())
            if dog[2] or dog[1] is SizeClass.LARGE
        ]
        others = [(home, dog) for home in owners for dog in dog_ids.get(home.id, ())]
        big = by_size or others

        async def record(
            kind: IncidentKind, pick: tuple[_Household, tuple[int, SizeClass, bool]],
            days_ago: int, place: str, party: str, what: str,
        ) -> list[int]:  # fmt: skip
            home, dog = pick
            view = await dogs.record_incident(
                leader,
                self.slug,
                gid,
                dogs.IncidentInput(
                    kind=kind,
                    member_id=member_of[home.id],
                    occurred_at=_at(self.today - timedelta(days=days_ago), 18, 30),
                    dog_id=dog[0],
                    place=place,
                    affected_party=party,
                    description=what,
                ),
            )
            self.report.incidents += 1
            return [d.duty.id for d in view.duties]

        async def settle(duty_id: int, state: DutyState, evidence: str) -> None:
            await dogs.settle_duty(leader, self.slug, duty_id, state, evidence)
            self.report.duties[state.value] += 1

        # 1. A bite two months ago: apologised, taken to hospital, costs advanced.
        first = await record(
            IncidentKind.DOG_BITE, big[0], 60, "海景花园北门", "过路居民王女士",
            "犬只挣脱牵引绳，咬伤王女士小腿",
        )  # fmt: skip
        for duty_id, note in zip(
            first,
            ("当面道歉，王女士接受", "当即送县人民医院处置", "已垫付医药费 860 元，有收据"),
            strict=False,
        ):
            await settle(duty_id, DutyState.FULFILLED, note)
        # 2. A bite three weeks ago: apologised and hospital, the costs refused, then
        # escalated: the community mediates (a minor matter).
        second = await record(
            IncidentKind.DOG_BITE, big[1 % len(big)], 21, "望海路菜场", "邻居陈师傅",
            "遛狗未戴嘴套，犬只扑咬陈师傅手臂",
        )  # fmt: skip
        if len(second) == 3:
            await settle(second[0], DutyState.FULFILLED, "已登门道歉")
            await settle(second[1], DutyState.FULFILLED, "当即陪同就医")
            await dogs.escalate_duty(
                self.cadre,
                self.slug,
                second[2],
                dogs.EscalationInput(
                    kind=MatterKind.MINOR, reason="犬主拒绝垫付医药费，逾期未履行，提请社区调解"
                ),
                self.settings,
            )
            self.report.escalated += 1
            self.report.duties["owed"] += 1
        # 3. Fouling last week: cleaned up and apologised.
        for duty_id in await record(
            IncidentKind.FOULING, others[2 % len(others)], 7, "6幢楼道", "6幢住户",
            "犬只在楼道便溺未清理",
        ):  # fmt: skip
            await settle(duty_id, DutyState.FULFILLED, "已清理并向邻居致歉")
        # 4. Barking at night: the owner refused to apologise.
        for duty_id in await record(
            IncidentKind.BARKING, others[3 % len(others)], 5, "3幢", "楼上住户",
            "连续多晚深夜吠叫",
        ):  # fmt: skip
            await settle(duty_id, DutyState.REFUSED, "犬主认为不是自家狗，拒绝道歉；骨干继续调处")
        # 5. Yesterday: a large or fierce dog off the leash; the apology is still owed.
        owed = await record(
            IncidentKind.OFF_LEASH, big[2 % len(big)], 1, "海边步道", "晨练的居民",
            "大型犬未拴绳、未戴嘴套在步道奔跑",
        )  # fmt: skip
        self.report.duties["owed"] += len(owed)

    # -- other groups ----------------------------------------------------------------------
    async def volunteers(self, homes: list[_Household]) -> None:
        """金色港湾义工队: registering it links the year's free-text referrals to it."""
        rng, slug = self.rng, self.slug
        founded = self.today - timedelta(days=800)
        gid = await self.group(
            GroupKind.VOLUNTEER_TEAM,
            GOLDEN_HARBOUR[1],
            founded,
            "走访独居老人：每月25日上门量血压、陪同就医、代购",
            name_en="Golden Harbour Volunteer Team",
        )
        team = rng.sample(homes, k=min(15, len(homes)))
        leader = await _give_login(
            slug, self.cadre, team[0].residents[0], self.people.volunteer_leader, self.settings
        )
        for n, home in enumerate(team):
            await self.join(
                gid,
                home,
                founded + timedelta(days=rng.randint(0, 400)),
                role=GroupRole.LEADER if n == 0 else GroupRole.MEMBER,
                resident=home.residents[0],
            )
        async with tenant_tx(slug, snapshot=True) as tx:
            records = await tx.connection.fetch(
                "SELECT r.id, m.status FROM referrals r JOIN matters m ON m.id = r.matter_id "
                "WHERE r.group_id = $1 ORDER BY r.id",
                gid,
            )
        linked = [(r["id"], r["status"]) for r in records]
        self.report.referrals_linked = len(linked)
        for n, (referral_id, status) in enumerate(linked):
            if status == MatterStatus.WITHDRAWN.value:
                # The resident withdrew the request: the team does not take it on.
                await referrals.decline_referral(leader, slug, referral_id, "居民已撤回诉求")
                self.report.referrals_acted["declined"] += 1
                continue
            if n % 4 == 3:
                continue  # still referred: the leader has not answered yet
            await referrals.accept_referral(leader, slug, referral_id, "每月25日上门")
            self.report.referrals_acted["accepted"] += 1
            if n % 4 != 2:
                await referrals.complete_referral(leader, slug, referral_id, "已上门量血压并记录")
                self.report.referrals_acted["completed"] += 1

    async def small_groups(self, homes: list[_Household]) -> None:
        rng = self.rng
        elders = await self.group(
            GroupKind.ELDERS,
            "东海老年协会",
            self.today - timedelta(days=2000),
            "老年人互助、文体活动、调解家庭邻里小纠纷",
            name_en="Donghai Elders' Association",
        )
        fishing = await self.group(
            GroupKind.INTEREST,
            "海钓兴趣小组",
            self.today - timedelta(days=500),
            "周末海钓、渔具交流、海边垃圾清理",
            name_en="Sea-Fishing Club",
        )
        for gid, count in ((elders, 30), (fishing, 12)):
            picked = rng.sample(homes, k=min(count, len(homes)))
            for n, home in enumerate(picked):
                await self.join(
                    gid,
                    home,
                    self.today - timedelta(days=rng.randint(30, 400)),
                    role=GroupRole.LEADER if n == 0 else GroupRole.MEMBER,
                    resident=home.residents[0],
                )


async def seed_groups(
    slug: str,
    *,
    settings: Settings,
    today: date | None = None,
    rng_seed: int = DEFAULT_GROUPS_SEED,
) -> GroupsReport:
    """Seed the community's resident groups (see the module docstring); idempotent.

    Run after ``seed_realistic`` (it needs the staff, the households and the year's matters:
    the dog disputes and the free-text referrals). A community with a group already is left
    as it is (``report.skipped``).
    """
    if await _has_groups(slug):
        return GroupsReport(slug, skipped=True)
    today = today or local_today()
    # Demo data, not secrets: a seeded generator is the point.
    rng = random.Random(rng_seed)  # noqa: S311
    seeder = _Seeder(slug, settings, rng, today)
    # Households whose residents have logins already keep them; the dog owners and the
    # volunteers come from two disjoint parts, so no resident is given two logins.
    homes = [h for h in await _households(slug) if not h.linked]
    split = max(len(homes) * 2 // 3, 1)
    await seeder.association(homes[:split])
    await seeder.volunteers(homes[split:] or homes)
    await seeder.small_groups(homes)
    return seeder.report


def describe(report: GroupsReport) -> tuple[str, str]:
    """One line of what was seeded, in Chinese and in English (progress output)."""
    r = report
    duties = "，".join(f"{DutyState(k).label_zh} {v}" for k, v in sorted(r.duties.items()))
    zh = (
        f"  {r.slug}: 居民组织 {r.groups} 个、成员 {r.members}；犬只 {r.dogs} 只（免疫逾期 "
        f"{r.overdue_vaccinations}）；骨干选举 {r.ballots} 票、当选 {r.core} 人；事件 "
        f"{r.incidents} 起（义务：{duties}；升级为事项 {r.escalated}）；转介关联 "
        f"{r.referrals_linked} 件"
    )
    en = (
        f"groups {r.groups}, members {r.members}; dogs {r.dogs} ({r.overdue_vaccinations} "
        f"vaccinations overdue); core election {r.ballots} ballots, {r.core} elected; "
        f"incidents {r.incidents} (duties {dict(r.duties)}, {r.escalated} escalated); "
        f"referrals linked {r.referrals_linked}"
    )
    return zh, en

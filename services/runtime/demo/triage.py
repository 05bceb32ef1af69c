"""A realistic community for demos and benchmarks: a year of three-matter triage (三事分流).

``seed_realistic`` fills one community, through the same handlers users reach over GraphQL,
with what Donghai (东海社区) looked like after the pilot's first year (DOMAIN.md): the
party secretary, cadres and one grid worker per grid; ~2,000 households (300+ renting, an
ageing population, some elderly living alone or without family, some disability or
subsistence allowance) with ~6,000 residents; a homeland council of three members per grid
with a chair; and several hundred requests over twelve months that go through monthly
council sessions (attendance, agenda, votes, decisions) and then follow-up (referrals,
negotiations with commitments, escalation, resolution, feedback — mostly satisfied, some
unsatisfied and reopened), a few withdrawn, and the newest still pending so the ledger looks
alive. The cases of DOMAIN.md are among them.

Every act is done by the person who would do it (the secretary registers staff and decides,
grid workers register requests and follow them up, council members vote with their own
logins, residents give feedback), so the audit log reads like the community's own. The
generator is deterministic for a given ``rng_seed`` and ``today``.
"""

from __future__ import annotations

import asyncio
import calendar
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from services.auth.model import SYSTEM, Principal, Role, Scope, ScopeKind
from services.councils import handlers as councils
from services.councils.model import NoMajority, NoQuorum, Tie
from services.councils.queries import MemberRow
from services.grids import handlers as grids
from services.grids.queries import list_grids
from services.households import handlers as households
from services.households.handlers import BulkHousehold, HouseholdInput, ResidentInput, StaffInput
from services.households.model import Circumstance, Circumstances
from services.households.queries import HouseholdFilter
from services.matters import handlers as matters
from services.matters.model import Channel, MatterKind, Satisfaction
from services.settings import Settings
from tenants.tx import tenant_tx

T = TypeVar("T")
Progress = Callable[[str, str], None]

DEFAULT_HOUSEHOLDS = 2000
DEFAULT_REQUESTS = 400
DEFAULT_RNG_SEED = 20140301  # the pilot's first council session was in March 2014
SEATS_PER_GRID = 3
GOLDEN_HARBOUR = ("golden_harbour", "金色港湾义工队")
# The major matter the dog owners' association came out of (found by its title).
DOG_DISPUTES_TITLE = "养犬户矛盾频发，请社区出面"

# ==========================================================================================
# Who the demo people are (deterministic login subjects: tokens can act as them)
# ==========================================================================================


@dataclass(frozen=True)
class DemoPeople:
    """The login subjects of one seeded community's people, for demo tokens and docs."""

    slug: str

    @property
    def secretary(self) -> str:
        """社区书记 — a community cadre: convenes sessions, decides, registers staff."""
        return f"{self.slug}.secretary"

    def cadre(self, n: int) -> str:
        """社区干部 n (1-based)."""
        return f"{self.slug}.cadre{n}"

    def grid_worker(self, grid_no: int) -> str:
        """网格员 of grid g<grid_no>."""
        return f"{self.slug}.grid{grid_no}"

    def council_member(self, grid_no: int, seat: int) -> str:
        """家园理事会成员: seat 1..3 of grid g<grid_no>."""
        return f"{self.slug}.council.g{grid_no}.{seat}"

    def resident(self, n: int) -> str:
        """居民 n with a login linked to a household (1 = the healthy family of the repair case)."""
        return f"{self.slug}.resident{n}"


def principal(slug: str, subject: str, role: Role) -> Principal:
    """A community-scoped principal, as a token for ``subject`` with ``role`` would give."""
    return Principal(subject, frozenset({role}), Scope(ScopeKind.COMMUNITY, slug))


# ==========================================================================================
# Small generators: names, phones, addresses, texts
# ==========================================================================================

SURNAMES = (
    "王李张陈刘林黄周吴徐孙胡朱高郭何罗郑梁谢宋唐许邓冯韩曹曾彭蔡潘田董袁叶蒋杜苏魏程吕丁沈任姚卢傅"
    "钟姜崔谭廖范汪陆金石戴贾夏邱方侯邹熊孟秦江薛顾毛邵万钱严洪虞翁应竺"
)
GIVEN = (
    "海国建明华平军伟芳秀英兰娟红霞玉珍丽敏静波涛强勇斌鹏辉刚杰宏志春燕萍琴雪梅云飞龙阿根德福"
    "宝祥瑞庆林森荣桂凤金银美忠良友亮晓东南海洋潮帆舟渔"
)
STREETS = (
    "东海路",
    "沙河路",
    "海滨路",
    "菜园路",
    "渔港路",
    "人民路",
    "兴港巷",
    "望海巷",
    "石场弄",
    "外湾弄",
    "山脚弄",
    "金平路",
    "青沙巷",
    "后山弄",
)


def person_name(rng: random.Random) -> str:
    """A plausible Chinese name: a common surname and one or two given characters."""
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    return rng.choice(SURNAMES) + given


def fake_phone(rng: random.Random) -> str:
    """An 11-digit number starting 100: looks like a mobile number, is no real one."""
    return f"100{rng.randrange(10**8):08d}"


# (title, description, place) per category; place may be "" (the household's own address).
REQUEST_TEXTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "housing_repair": (
        ("屋顶漏水", "下雨时卧室屋顶漏水，希望修缮", ""),
        ("外墙渗水", "台风后外墙渗水，墙皮脱落", ""),
        ("老房木楼梯松动", "木楼梯踏板松动，老人上下不安全", ""),
        ("窗框腐朽", "木窗框腐朽，关不严", ""),
    ),
    "home_lighting": (
        ("家中电灯坏了", "客厅电灯不亮，需要更换灯具", ""),
        ("厨房灯不亮", "厨房灯管损坏，晚上做饭看不见", ""),
    ),
    "street_lighting": (
        ("巷口路灯不亮", "巷口路灯坏了很久，晚上行走不便", "巷口"),
        ("弄堂没有路灯", "弄堂里没有路灯，老人夜里出门不安全", "弄堂"),
    ),
    "road_and_drainage": (
        ("雨天路面积水", "一下雨路口就积水，出行困难", "路口"),
        ("下水道堵塞", "下水道堵塞，污水外溢", "路边"),
        ("台阶破损", "上山的石台阶破损，容易绊倒", "山脚台阶"),
    ),
    "public_facilities": (
        ("健身器材损坏", "小广场的健身器材坏了，存在安全隐患", "小广场"),
        ("休息凳坏了", "海边步道的休息凳断了", "海边步道"),
        ("公告栏破损", "网格公告栏玻璃碎了", "网格公告栏"),
    ),
    "public_health": (
        ("蚊虫多需要消杀", "夏天蚊虫很多，希望统一消杀", "楼道"),
        ("楼道有老鼠", "楼道里老鼠多，希望投放鼠药", "楼道"),
    ),
    "sanitation": (
        ("垃圾桶满溢", "垃圾桶经常满溢，气味很大", "垃圾投放点"),
        ("楼道堆放杂物", "楼道里堆放渔网杂物，影响通行", "楼道"),
        ("鱼腥垃圾清运不及时", "晒鱼鲞后的垃圾没有及时清运", "晒场"),
    ),
    "elderly_care": (
        ("希望有人上门量血压", "老人行动不便，希望每月有人上门量血压", ""),
        ("需要助餐服务", "老人独自做饭困难，希望有助餐服务", ""),
        ("希望有人陪同就医", "老人去医院复诊没人陪同", ""),
    ),
    "social_assistance": (
        ("申请低保", "家中收入困难，咨询低保申请", ""),
        ("临时救助申请", "家人生病住院，申请临时救助", ""),
    ),
    "transport": (
        ("希望增设公交班次", "晚上公交班次太少，下班回家不便", "公交站"),
        ("停车难", "路边停车占道，救护车进不来", "路边"),
    ),
    "illegal_construction": (
        ("邻居搭建棚屋", "邻居在公共空地搭建棚屋", "公共空地"),
        ("屋顶加盖", "有住户在屋顶加盖一层", "屋顶"),
    ),
    "neighbour_dispute": (
        ("楼上漏水纠纷", "楼上卫生间漏水到我家，协商不成", ""),
        ("邻居占用公共通道", "邻居在通道里堆放东西，影响通行", "公共通道"),
    ),
    "pets": (
        ("狗在楼道便溺", "邻居的狗在楼道便溺，无人清理", "楼道"),
        ("大型犬未拴绳", "大型犬外出不拴绳，孩子很害怕", "海边步道"),
    ),
    "safety": (
        ("电线老化", "老房电线老化，担心起火", ""),
        ("楼道堆放易燃物", "楼道堆放柴草，存在火灾隐患", "楼道"),
    ),
    "other": (("咨询事项", "咨询社区办事流程", ""),),
}
# How often each category comes up (an old town-centre estate by the sea).
CATEGORY_WEIGHTS: dict[str, int] = {
    "housing_repair": 14,
    "home_lighting": 8,
    "street_lighting": 8,
    "road_and_drainage": 9,
    "public_facilities": 7,
    "public_health": 5,
    "sanitation": 10,
    "elderly_care": 10,
    "social_assistance": 4,
    "transport": 4,
    "illegal_construction": 3,
    "neighbour_dispute": 8,
    "pets": 6,
    "safety": 5,
    "other": 2,
}
EXPLANATIONS = {
    "housing_repair": (
        "房屋是住户自家的财产，家中有劳动能力和条件，应由自家修缮；社区可帮助联系施工队。"
    ),
    "home_lighting": "家中灯具属于自家事务，普通家庭可自行更换；如有困难可联系义工队。",
    "elderly_care": "照料老人首先是家庭的责任；社区可以转介义工队上门服务。",
}
_DEFAULT_EXPLANATION = "此事由住户自家负责处理，理事会已向居民说明原因。"
START_NOTES = {
    MatterKind.PRIVATE: "由住户自行处理",
    MatterKind.MINOR: "社区和居民协商办理",
    MatterKind.MAJOR: "已报县级部门办理，社区跟踪协调",
}


# ==========================================================================================
# The plan: who, what, when, and how far each request gets (pure; no I/O)
# ==========================================================================================

# How far a request gets by the end of the year ("fate").
REGISTERED = "registered"  # not yet on an agenda (this month's)
PENDING = "pending"  # on the open session's agenda, awaiting the council
WITHDRAWN_EARLY = "withdrawn_early"  # withdrawn before the council saw it
CLASSIFIED = "classified"
IN_PROGRESS = "in_progress"
RESOLVED = "resolved"
CLOSED = "closed"
REOPENED = "reopened"  # unsatisfied feedback, not re-handled yet
RECLOSED = "reclosed"  # unsatisfied, re-handled, then closed
WITHDRAWN_LATE = "withdrawn_late"  # withdrawn after the decision

# By months since the council's session: the older, the more likely finished.
_FATES_BY_AGE: tuple[tuple[int, dict[str, int]], ...] = (
    (0, {CLASSIFIED: 45, IN_PROGRESS: 25, PENDING: 30}),
    (1, {IN_PROGRESS: 35, RESOLVED: 30, CLOSED: 25, REOPENED: 5, WITHDRAWN_LATE: 5}),
    (3, {IN_PROGRESS: 12, RESOLVED: 15, CLOSED: 58, REOPENED: 5, RECLOSED: 5, WITHDRAWN_LATE: 5}),
    (99, {CLOSED: 75, RECLOSED: 10, IN_PROGRESS: 5, RESOLVED: 5, REOPENED: 2, WITHDRAWN_LATE: 3}),
)


@dataclass
class HouseholdSpec:
    """One household to create: its input and, once created, its id and residents."""

    grid_index: int
    data: BulkHousehold
    id: int = 0
    resident_ids: list[int] = field(default_factory=list)


@dataclass
class RequestPlan:
    """One request of the year: what, for whom, when, how the council should see it."""

    month: int  # 0..11 the past twelve months, 12 the current month
    category: str
    household: HouseholdSpec
    title: str
    description: str
    place: str
    fate: str
    intended: MatterKind | None = None  # None: what the rules suggest
    channel: Channel = Channel.HOME_VISIT
    registered_by: str = "grid"  # grid | cadre | council | resident
    unanimous: bool = False
    escalate: tuple[str, tuple[str, ...]] | None = None  # (reason, evidence): minor -> major
    explanation: str = ""
    referral: bool = False
    negotiation: tuple[str, tuple[tuple[str, str, str], ...]] | None = None
    feedback_comment: str = ""
    reopen_reason: str = ""
    case: str = ""  # the DOMAIN.md case it reproduces, if any
    day: int = 1
    matter_id: int = 0
    # Its own generator: requests are handled concurrently, and draws from one shared
    # generator would then depend on scheduling (the same seed must give the same year).
    rng: random.Random = field(default_factory=random.Random, repr=False)


def _months(today: date) -> list[tuple[int, int]]:
    """The twelve calendar months before ``today``'s, then ``today``'s own (13 in all)."""
    out = []
    for back in range(12, -1, -1):
        y, m = divmod(today.year * 12 + today.month - 1 - back, 12)
        out.append((y, m + 1))
    return out


def session_dates(today: date) -> list[date]:
    """The day each month's requests meet the council: the 6th of the following month."""
    months = _months(today)
    return [min(date(*months[k + 1], 6), today) for k in range(12)]


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _fate_for(rng: random.Random, month: int) -> str:
    if month == 12:
        return REGISTERED if rng.random() > 0.1 else WITHDRAWN_EARLY
    if rng.random() < 0.02:
        return WITHDRAWN_EARLY
    age = 11 - month
    for upto, weights in _FATES_BY_AGE:
        if age <= upto:
            return _weighted(rng, weights)
    raise AssertionError("unreachable")  # pragma: no cover


def _household(
    rng: random.Random,
    grid_index: int,
    address: str,
    *,
    size: int,
    flags: Iterable[Circumstance] = (),
    notes: str = "",
    names: Sequence[str] = (),
    subjects: dict[int, str] | None = None,
) -> HouseholdSpec:
    residents = []
    for i in range(size):
        name = names[i] if i < len(names) else person_name(rng)
        residents.append(
            ResidentInput(name=name, phone=fake_phone(rng), subject=(subjects or {}).get(i))
        )
    return HouseholdSpec(
        grid_index,
        BulkHousehold(
            HouseholdInput(
                grid_id=0,  # filled in once the grids are known
                address=address,
                size=size,
                circumstances=Circumstances.of(*flags),
                notes=notes,
            ),
            tuple(residents),
        ),
    )


def plan_households(
    rng: random.Random, count: int, grid_count: int, people: DemoPeople
) -> tuple[list[HouseholdSpec], dict[str, HouseholdSpec]]:
    """``count`` households over the grids, the DOMAIN cases' households first.

    Returns every household and the case households by name.
    """
    g = lambda n: (n - 1) % grid_count  # noqa: E731 - grid gN as an index, folded on small communities
    cases = {
        "repair": _household(
            rng,
            g(1),
            "东海路18号",
            size=4,
            names=("陈建国", "吴秀英", "陈海波", "陈小燕"),
            subjects={0: people.resident(1)},
        ),
        "blood_pressure": _household(
            rng,
            g(2),
            "望海巷7号",
            size=1,
            flags=(Circumstance.ELDERLY_LIVING_ALONE,),
            notes="独居老人，子女在宁波工作",
            names=("林阿根",),
            subjects={0: people.resident(2)},
        ),
        "street_light": _household(
            rng,
            g(3),
            "石场弄3号",
            size=3,
            names=("徐德福", "周美娟", "徐晓东"),
            subjects={0: people.resident(3)},
        ),
        "eaves_neighbour": _household(rng, g(4), "外湾弄12号", size=2, names=("郑桂凤", "郑海洋")),
        "eaves_complainant": _household(
            rng,
            g(4),
            "外湾弄14号",
            size=3,
            names=("虞志强", "王丽敏", "虞鹏"),
            subjects={0: people.resident(4)},
        ),
        "bus_stop": _household(rng, g(7), "沙河路86号", size=3, names=("翁国平", "叶春燕", "翁涛")),
        "dog_disputes": _household(
            rng, g(3), "海景花园6幢101室", size=2, names=("邵海军", "邵丽娜")
        ),
        "light_ordinary": _household(
            rng,
            g(5),
            "菜园路21号",
            size=3,
            names=("张伟", "李芳", "张子涵"),
            subjects={0: people.resident(5)},
        ),
        "light_elderly": _household(
            rng,
            g(5),
            "菜园路25号",
            size=1,
            flags=(Circumstance.ELDERLY_LIVING_ALONE, Circumstance.ELDERLY_WITHOUT_FAMILY),
            notes="孤寡老人，独居，行动不便",
            names=("金阿婆",),
        ),
    }
    specs: list[HouseholdSpec] = list(cases.values())[:count]
    numbers: Counter[str] = Counter({"东海路": 18, "望海巷": 7, "石场弄": 3, "外湾弄": 14})
    streets_of = {i: STREETS[i % len(STREETS)] for i in range(grid_count)}
    while len(specs) < count:
        grid_index = len(specs) % grid_count
        street = (
            streets_of[grid_index]
            if rng.random() < 0.7
            else STREETS[(grid_index + 7) % len(STREETS)]
        )
        numbers[street] += 1
        address = f"{street}{numbers[street]}号"
        if rng.random() < 0.25:
            address += f"{rng.randint(1, 6)}0{rng.randint(1, 4)}室"
        roll = rng.random()
        flags: list[Circumstance] = []
        notes = ""
        if roll < 0.065:  # an ageing population: elderly living alone
            flags.append(Circumstance.ELDERLY_LIVING_ALONE)
            size = 1
            if rng.random() < 0.3:
                flags.append(Circumstance.ELDERLY_WITHOUT_FAMILY)
                notes = "孤寡老人"
            else:
                notes = rng.choice(("子女在外地工作", "子女在舟山本岛", "老伴去世后独居", ""))
        elif roll < 0.235:  # 300+ renting households of ~2,000
            flags.append(Circumstance.RENTING)
            size = rng.choice((1, 2, 2, 3, 3, 4))
            notes = rng.choice(("外来务工人员租住", "渔船船员租住", "", ""))
        else:
            size = rng.choice((1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 6))
        if rng.random() < 0.03:
            flags.append(Circumstance.DISABILITY)
        if rng.random() < 0.035:
            flags.append(Circumstance.SUBSISTENCE_ALLOWANCE)
        specs.append(_household(rng, grid_index, address, size=size, flags=flags, notes=notes))
    return specs, {k: v for k, v in cases.items() if v in specs}


def _case_plans(cases: dict[str, HouseholdSpec]) -> list[RequestPlan]:
    """The requests of DOMAIN.md, each with the handling the article tells of."""
    plans: list[RequestPlan] = []

    def add(name: str, household: str = "", **kw: Any) -> None:
        spec = cases.get(household or name)
        if spec is not None:
            plans.append(RequestPlan(household=spec, case=name, unanimous=True, **kw))

    add(
        "repair",
        month=1,
        day=12,
        category="housing_repair",
        title="请政府帮忙修缮老房子",
        description="家里的老房子漏雨，希望政府出钱修缮",
        place="",
        fate=CLOSED,
        intended=MatterKind.PRIVATE,
        registered_by="grid",
        explanation=EXPLANATIONS["housing_repair"],
        feedback_comment="理事会讲清楚了道理，我们自己请人修好了",
    )
    add(
        "blood_pressure",
        month=1,
        day=20,
        category="elderly_care",
        title="每月25日上门量血压",
        description="希望每月25日有人上门帮我量血压",
        place="",
        fate=CLOSED,
        intended=MatterKind.PRIVATE,
        registered_by="grid",
        referral=True,
        explanation="量血压是老人自己的事；金色港湾义工队每月25日走访独居老人，顺便上门量血压。",
        feedback_comment="义工每月都来，很满意",
    )
    add(
        "street_light",
        month=2,
        day=5,
        category="street_lighting",
        title="巷口没有路灯",
        description="石场弄巷口没有路灯，晚上很黑，老人孩子走路不安全",
        place="石场弄巷口",
        fate=CLOSED,
        intended=MatterKind.MINOR,
        registered_by="council",
        negotiation=(
            "徐德福在自家门口装一盏灯照亮巷口，电费自理；社区为他家临街的窗户装纱窗防虫。",
            (
                ("resident", "徐德福", "在自家门口安装一盏灯，照亮巷口"),
                ("community", "东海社区居委会", "为徐德福家临街窗户安装纱窗"),
            ),
        ),
        feedback_comment="巷口亮了，纱窗也装好了",
    )
    add(
        "eaves",
        household="eaves_complainant",
        month=3,
        day=9,
        category="neighbour_dispute",
        title="邻居在屋檐下搭建围挡",
        description="隔壁邻居把屋檐下的空间围起来，占了通道",
        place="外湾弄12号屋檐下",
        fate=IN_PROGRESS,
        intended=MatterKind.MINOR,
        registered_by="resident",
        channel=Channel.ONLINE,
        escalate=(
            "网格员现场查看：围挡已砌成砖墙并加盖屋顶，疑似违章建筑，升格为大事，请城管处理",
            ("现场照片 3 张（外湾弄12号屋檐下）", "网格员现场核查记录"),
        ),
    )
    add(
        "bus_stop",
        month=2,
        day=18,
        category="transport",
        title="公交站点东移",
        description="公交站离居民集中的东片太远，希望站点往东移",
        place="沙河路公交站",
        fate=IN_PROGRESS,
        intended=MatterKind.MAJOR,
        registered_by="cadre",
        channel=Channel.WALK_IN,
    )
    # The dog owners' case (DOMAIN.md): 80+ dog-owning households, disputes the community
    # kept mediating; the council took it as a major matter, to be solved mainly by the
    # owners' own management: the dog owners' association (services/runtime/demo/groups.py).
    add(
        "dog_disputes",
        month=0,
        day=9,
        category="pets",
        title=DOG_DISPUTES_TITLE,
        description="小区80多户养犬，犬吠扰民、随地便溺、咬伤路人，邻里纠纷不断，社区调解跟不过来",
        place="海景花园",
        fate=IN_PROGRESS,
        intended=MatterKind.MAJOR,
        registered_by="cadre",
        channel=Channel.WALK_IN,
    )
    add(
        "light_ordinary",
        month=4,
        day=3,
        category="home_lighting",
        title="家里的灯坏了",
        description="客厅的灯坏了，希望社区来修",
        place="",
        fate=CLOSED,
        intended=MatterKind.PRIVATE,
        registered_by="resident",
        channel=Channel.ONLINE,
        explanation=EXPLANATIONS["home_lighting"],
        feedback_comment="自己换了灯，明白了",
    )
    add(
        "light_elderly",
        month=4,
        day=4,
        category="home_lighting",
        title="独居老人家里的灯坏了",
        description="金阿婆家里的灯坏了，她自己没法换",
        place="",
        fate=RECLOSED,
        intended=MatterKind.MINOR,
        registered_by="grid",
        negotiation=(
            "社区请义工上门为金阿婆更换灯具，邻居帮忙照看。",
            (("community", "东海社区居委会", "请义工上门更换灯具"),),
        ),
        reopen_reason="换的灯第二天又不亮了",
        feedback_comment="灯修好了，谢谢社区",
    )
    return plans


# Categories the default rules suggest as major (county departments): kept out of the
# requests forced to show a status, since major matters stay open (see _open_major).
MAJOR_CATEGORIES = frozenset(
    {"transport", "illegal_construction", "road_and_drainage", "social_assistance"}
)
_REQUIRED_FATES = (
    REGISTERED,
    PENDING,
    CLASSIFIED,
    IN_PROGRESS,
    RESOLVED,
    CLOSED,
    REOPENED,
    WITHDRAWN_EARLY,
)


def plan_requests(
    rng: random.Random,
    count: int,
    specs: list[HouseholdSpec],
    cases: dict[str, HouseholdSpec],
    member_households: set[int],
) -> list[RequestPlan]:
    """``count`` requests over the year: the DOMAIN cases first, then ordinary ones."""
    plans = _case_plans(cases)[:count]
    case_households = {id(h) for h in cases.values()}
    ordinary = [h for h in specs if id(h) not in case_households]
    elderly = [
        h
        for h in ordinary
        if h.data.household.circumstances.elderly_living_alone
        or h.data.household.circumstances.elderly_without_family
    ]
    poor = [h for h in ordinary if h.data.household.circumstances.subsistence_allowance]
    members = [h for h in ordinary if h.id in member_households]
    month_weights = {str(m): (2 if m in (3, 9) else 1) * 10 for m in range(12)} | {"12": 6}
    generic: list[RequestPlan] = []
    while len(plans) + len(generic) < count:
        category = _weighted(rng, CATEGORY_WEIGHTS)
        pool = ordinary
        if category == "elderly_care" and elderly:
            pool = elderly
        elif category == "social_assistance" and poor:
            pool = poor
        elif members and rng.random() < 0.03:
            pool = members  # a council member's own household: they must recuse
        household = rng.choice(pool) if pool else specs[0]
        title, description, place = rng.choice(REQUEST_TEXTS[category])
        month = int(_weighted(rng, month_weights))
        plan = RequestPlan(
            month=month,
            category=category,
            household=household,
            title=title,
            description=description,
            place=place,
            fate=_fate_for(rng, month),
            channel=rng.choices(list(Channel), weights=(55, 20, 15, 10))[0],
            registered_by=rng.choices(("grid", "council", "cadre"), weights=(70, 20, 10))[0],
        )
        if plan.channel is Channel.WALK_IN:
            plan.registered_by = "cadre"
        if category in ("neighbour_dispute", "public_facilities", "safety") and rng.random() < 0.1:
            plan.escalate = (
                "网格员现场核查后发现问题超出社区能力，升格为大事，报县级部门",
                ("网格员现场核查记录",),
            )
        if rng.random() < 0.1 and category not in ("transport", "illegal_construction"):
            plan.intended = rng.choice(list(MatterKind))  # the council departs from the rules
        generic.append(plan)
    _cover_every_status(rng, generic)
    for p in generic:
        p.day = rng.randint(1, 31)  # clamped to the month's length when the year runs
    plans.extend(generic)
    for p in plans:
        p.rng = random.Random(rng.getrandbits(64))  # noqa: S311 - demo data, see seed_realistic
    return plans


def _cover_every_status(rng: random.Random, generic: list[RequestPlan]) -> None:
    """Make sure the year ends with a request in every status, even in a small community."""
    have = Counter(p.fate for p in generic)
    for fate in _REQUIRED_FATES:
        if have[fate]:
            continue
        donors = [
            p
            for p in generic
            if have[p.fate] > 1
            and p.fate not in _REQUIRED_FATES[:3]
            and p.category not in MAJOR_CATEGORIES
        ]
        if not donors:
            donors = [p for p in generic if have[p.fate] > 1 and p.category not in MAJOR_CATEGORIES]
        if not donors:
            return  # too few requests to show every status
        p = rng.choice(donors)
        have[p.fate] -= 1
        have[fate] += 1
        p.fate = fate
        p.unanimous = True
        p.escalate = None
        if p.intended is MatterKind.MAJOR:
            p.intended = None  # what the rules suggest (never major outside MAJOR_CATEGORIES)
        if fate == REGISTERED:
            p.month = 12
        elif fate in (PENDING, CLASSIFIED):
            p.month = 11
        elif p.month >= 11:
            p.month = rng.randint(2, 9)


# ==========================================================================================
# Doing it: every act through the handlers, by the person who would do it
# ==========================================================================================


@dataclass
class RealisticReport:
    """What ``seed_realistic`` created (``skipped`` when the community was seeded already)."""

    slug: str
    skipped: bool = False
    staff: int = 0
    households: int = 0
    residents: int = 0
    council: int = 0
    sessions: int = 0
    requests: int = 0
    votes: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


class _Seeder:
    """The state of one seeding run (principals, ids) and the acts it performs."""

    def __init__(
        self,
        slug: str,
        settings: Settings,
        rng: random.Random,
        today: date,
        concurrency: int,
        say: Progress,
    ) -> None:
        self.slug = slug
        self.settings = settings
        self.rng = rng
        self.today = today
        self.say = say
        self.people = DemoPeople(slug)
        self.secretary = principal(slug, self.people.secretary, Role.COMMUNITY_CADRE)
        self.cadres: list[Principal] = []
        self.grid_ids: list[int] = []
        self.grid_workers: list[Principal] = []
        self.members: list[MemberRow] = []  # council rows, in seat order
        self.member_principals: dict[int, Principal] = {}
        self.resident_principals: dict[int, Principal] = {}  # household id -> linked resident
        self.gate = asyncio.Semaphore(concurrency)
        self.report = RealisticReport(slug)
        self.staff_names: dict[str, str] = {}

    async def limited(self, make: Awaitable[T]) -> T:
        async with self.gate:
            return await make

    # -- people ------------------------------------------------------------------------
    async def grids(self) -> None:
        rows = await list_grids(self.slug)
        if not rows:
            from services.runtime.demo.county import _grids

            for code, name in _grids(7):
                await grids.create_grid(SYSTEM, self.slug, code, name)
            rows = await list_grids(self.slug)
        # g1, g2, ... g10 in their numeric order (list_grids sorts by code as text).
        rows.sort(key=lambda g: (len(g.code), g.code))
        self.grid_ids = [g.id for g in rows]

    async def staff(self) -> None:
        rng, s = self.rng, self.settings
        secretary = person_name(rng)
        self.staff_names[self.people.secretary] = secretary
        await households.register_staff(
            self.secretary,
            self.slug,
            StaffInput(
                self.people.secretary, secretary, Role.COMMUNITY_CADRE, phone=fake_phone(rng)
            ),
            s,
        )
        for n in (1, 2, 3):
            subject = self.people.cadre(n)
            await households.register_staff(
                self.secretary,
                self.slug,
                StaffInput(subject, person_name(rng), Role.COMMUNITY_CADRE, phone=fake_phone(rng)),
                s,
            )
            self.cadres.append(principal(self.slug, subject, Role.COMMUNITY_CADRE))
        for i, grid_id in enumerate(self.grid_ids, start=1):
            subject = self.people.grid_worker(i)
            name = person_name(rng)
            self.staff_names[subject] = name
            await households.register_staff(
                self.secretary,
                self.slug,
                StaffInput(subject, name, Role.GRID_WORKER, grid_id=grid_id, phone=fake_phone(rng)),
                s,
            )
            self.grid_workers.append(principal(self.slug, subject, Role.GRID_WORKER))
        self.report.staff = 4 + len(self.grid_ids)

    async def households(self, specs: list[HouseholdSpec]) -> None:
        """Each grid worker registers their grid's households in one bulk act."""
        by_grid: dict[int, list[HouseholdSpec]] = {}
        for spec in specs:
            h = spec.data.household
            spec.data = BulkHousehold(
                HouseholdInput(
                    grid_id=self.grid_ids[spec.grid_index],
                    address=h.address,
                    size=h.size,
                    circumstances=h.circumstances,
                    notes=h.notes,
                ),
                spec.data.residents,
            )
            by_grid.setdefault(spec.grid_index, []).append(spec)
        for grid_index, batch in sorted(by_grid.items()):
            ids = await households.create_households_bulk(
                self.grid_workers[grid_index], self.slug, [b.data for b in batch], self.settings
            )
            for spec, hid in zip(batch, ids, strict=True):
                spec.id = hid
        self.report.households = len(specs)
        self.report.residents = sum(len(s.data.residents) for s in specs)
        for spec in specs:
            for r in spec.data.residents:
                if r.subject:
                    self.resident_principals[spec.id] = principal(
                        self.slug, r.subject, Role.RESIDENT
                    )

    async def resident_ids(self, spec: HouseholdSpec) -> list[int]:
        if not spec.resident_ids:
            rows = await households.list_residents(self.secretary, self.slug, spec.id)
            spec.resident_ids = [r.id for r in rows]
        return spec.resident_ids

    async def council(self, specs: list[HouseholdSpec], elected_on: date) -> None:
        """Three members per grid, elected by their grid's residents; g1's first one chairs."""
        taken = {id(s) for s in specs[:8]}  # not the case households
        term_ends = date(elected_on.year + 3, elected_on.month, 1) - timedelta(days=1)
        for i, grid_id in enumerate(self.grid_ids):
            candidates = [
                s for s in specs if s.grid_index == i and id(s) not in taken and s.data.residents
            ]
            for seat in range(1, SEATS_PER_GRID + 1):
                free = [c for c in candidates if id(c) not in taken]
                spec = self.rng.choice(free) if free else None
                resident_id = None
                name = person_name(self.rng)
                if spec is not None:
                    taken.add(id(spec))
                    resident_id = (await self.resident_ids(spec))[0]
                    name = spec.data.residents[0].name
                subject = self.people.council_member(i + 1, seat)
                row = await councils.elect_member(
                    self.secretary,
                    self.slug,
                    councils.ElectMemberInput(
                        grid_id=grid_id,
                        name=name,
                        elected_on=elected_on,
                        term_ends_on=term_ends,
                        votes_received=self.rng.randint(60, 320),
                        resident_id=resident_id,
                        subject=subject,
                    ),
                    self.settings,
                )
                self.members.append(row)
                self.member_principals[row.id] = principal(self.slug, subject, Role.COUNCIL_MEMBER)
        if self.members:
            await councils.set_chair(self.secretary, self.slug, self.members[0].id)
        self.report.council = len(self.members)

    # -- requests ----------------------------------------------------------------------
    def worker_of(self, plan: RequestPlan) -> Principal:
        return self.grid_workers[plan.household.grid_index]

    def resident_of(self, plan: RequestPlan) -> Principal | None:
        return self.resident_principals.get(plan.household.id)

    def registrar(self, plan: RequestPlan) -> Principal:
        if plan.registered_by == "resident" and self.resident_of(plan):
            return self.resident_of(plan)  # type: ignore[return-value]
        if plan.registered_by == "cadre" and self.cadres:
            return self.cadres[plan.household.id % len(self.cadres)]
        if plan.registered_by == "council":
            grid_members = [
                m for m in self.members if m.grid_id == self.grid_ids[plan.household.grid_index]
            ]
            if grid_members:
                return self.member_principals[grid_members[plan.day % len(grid_members)].id]
        return self.worker_of(plan)

    async def register(self, plan: RequestPlan, occurred_on: date) -> None:
        raised_by = None
        if plan.case:
            raised_by = (await self.resident_ids(plan.household))[0]
        row = await matters.register_request(
            self.registrar(plan),
            self.slug,
            matters.RegisterRequestInput(
                household_id=plan.household.id,
                channel=plan.channel,
                category=plan.category,
                title=plan.title,
                description=plan.description,
                occurred_on=occurred_on,
                place=plan.place or plan.household.data.household.address,
                raised_by_resident_id=raised_by,
            ),
            self.settings,
        )
        plan.matter_id = row.id
        if plan.intended is None:
            if row.suggested_kind is None:  # the default rules suggest a kind for every category
                raise RuntimeError(f"no suggested kind for category {plan.category!r}")
            plan.intended = MatterKind(row.suggested_kind)
        if plan.fate == WITHDRAWN_EARLY:
            who = self.resident_of(plan) or self.worker_of(plan)
            await matters.withdraw_matter(
                who,
                self.slug,
                plan.matter_id,
                self.settings,
                reason=plan.rng.choice(("居民已自行解决", "居民表示不再需要", "重复登记")),
            )

    async def deliberate(
        self, session_id: int, item_id: int, plan: RequestPlan, present: list[MemberRow]
    ) -> bool:
        """Present members vote (recusing on their own household); the secretary decides."""
        assert plan.intended is not None
        intended = plan.intended
        others = [k for k in MatterKind if k is not intended]
        ballots: list[tuple[MemberRow, MatterKind | None]] = []
        for m in present:
            if m.household_id == plan.household.id:
                ballots.append((m, None))
            elif plan.unanimous or plan.rng.random() < 0.82:
                ballots.append((m, intended))
            else:
                ballots.append((m, plan.rng.choice(others)))

        async def vote(member: MemberRow, kind: MatterKind | None) -> None:
            await councils.cast_vote(
                self.member_principals[member.id],
                self.slug,
                item_id,
                kind,
                self.settings,
                note="" if kind is None else _vote_note(kind),
                recuse=kind is None,
            )

        await asyncio.gather(*(vote(m, k) for m, k in ballots))
        self.report.votes += sum(1 for _, k in ballots if k is not None)
        counts = Counter(k for _, k in ballots if k is not None)
        top = max(counts.values(), default=0)
        leaders = [k for k in MatterKind if counts[k] == top]
        try:
            result = await councils.decide(
                self.secretary,
                self.slug,
                item_id,
                self.settings,
                explanation=plan.explanation if intended is MatterKind.PRIVATE else "",
            )
        except Tie:
            casting = intended if intended in leaders else leaders[0]
            try:
                result = await councils.decide(
                    self.secretary, self.slug, item_id, self.settings, casting_vote=casting
                )
            except NoMajority:
                return False
        except (NoMajority, NoQuorum):
            return False
        kind = result.decision.kind
        if kind is MatterKind.PRIVATE and not plan.explanation:
            explanation = EXPLANATIONS.get(plan.category, _DEFAULT_EXPLANATION)
            if plan.rng.random() < 0.6:  # the council explains it after the session
                await matters.explain_private_matter(
                    self.worker_of(plan), self.slug, plan.matter_id, explanation, self.settings
                )
        plan.intended = kind
        return True

    async def follow_up(self, plan: RequestPlan, decided_on: date) -> None:
        """From the decision to where this request's year ends (its fate)."""
        s, slug, mid, fate = self.settings, self.slug, plan.matter_id, plan.fate
        worker = self.worker_of(plan)
        kind = plan.intended
        assert kind is not None  # set by the decision
        commitments: list[Any] = []  # CommitmentRow (services.matters.rows)
        if kind is not MatterKind.MAJOR and (
            plan.referral or (plan.category == "elderly_care" and plan.rng.random() < 0.7)
        ):
            await matters.refer_matter(
                worker,
                slug,
                mid,
                s,
                group_ref=GOLDEN_HARBOUR[0],
                group_name=GOLDEN_HARBOUR[1],
                note="义工队每月25日走访独居老人，顺便上门服务",
            )
        if kind is MatterKind.MINOR and (plan.negotiation or plan.rng.random() < 0.6):
            agreement, parties = plan.negotiation or _generic_negotiation(plan.rng, plan)
            _, commitments = await matters.record_negotiation(
                worker,
                slug,
                mid,
                matters.NegotiationInput(
                    held_on=min(decided_on + timedelta(days=7), self.today),
                    agreement=agreement,
                    participants=(
                        self.staff_names.get(worker.subject, "网格员"),
                        plan.household.data.residents[0].name,
                        "社区干部",
                    ),
                    place="社区议事室",
                    commitments=tuple(
                        matters.CommitmentInput(
                            party=p,
                            party_name=n,
                            description=d,
                            due_on=min(decided_on + timedelta(days=30), self.today),
                        )
                        for p, n, d in parties
                    ),
                ),
                s,
            )
        if kind is MatterKind.MAJOR:
            fate = _open_major(fate)
        if fate == CLASSIFIED:
            return
        if fate == WITHDRAWN_LATE and plan.rng.random() < 0.5:
            await matters.withdraw_matter(worker, slug, mid, s, reason="居民搬离本社区，撤回诉求")
            return
        await matters.start_matter(worker, slug, mid, s, responsible_note=START_NOTES[kind])
        if plan.escalate and kind is not MatterKind.MAJOR:
            reason, evidence = plan.escalate
            await matters.reclassify_matter(
                worker, slug, mid, MatterKind.MAJOR, s, reason=reason, evidence=evidence
            )
            kind = MatterKind.MAJOR
            fate = _open_major(fate)
        if fate == WITHDRAWN_LATE:
            await matters.withdraw_matter(worker, slug, mid, s, reason="居民表示问题已不存在")
            return
        if fate == IN_PROGRESS:
            return
        for c in commitments:
            kept = fate != REOPENED or c.party != "community"
            await matters.mark_commitment(worker, slug, c.id, kept)
        await matters.resolve_matter(worker, slug, mid, s, note="已办理完毕")
        if fate == RESOLVED:
            return
        rater = self.resident_of(plan) or worker
        if fate in (REOPENED, RECLOSED):
            await matters.give_feedback(
                rater,
                slug,
                mid,
                Satisfaction.UNSATISFIED,
                s,
                comment="问题没有真正解决",
                reopen_reason=plan.reopen_reason or "问题没有真正解决，希望重新办理",
            )
            if fate == REOPENED:
                return
            await matters.start_matter(worker, slug, mid, s, responsible_note="重新办理")
            await matters.resolve_matter(worker, slug, mid, s, note="重新办理完毕")
        if fate == CLOSED and not plan.case and plan.rng.random() < 0.08:
            await matters.close_matter(worker, slug, mid, s, note="多次回访未遇居民，办结")
            return
        rating = (
            Satisfaction.SATISFIED if plan.rng.random() < 0.75 else Satisfaction.BASICALLY_SATISFIED
        )
        await matters.give_feedback(
            rater, slug, mid, rating, s, comment=plan.feedback_comment or _comment(rating)
        )


def _open_major(fate: str) -> str:
    """A major matter stays with the county departments: still open at the year's end.

    The departments' side (routing, answers, deadlines) belongs to the routing context,
    whose actor routes these matters when the worker starts; a matter the seed had already
    closed would only be dead-lettered there.
    """
    return fate if fate in (CLASSIFIED, IN_PROGRESS) else IN_PROGRESS


def _vote_note(kind: MatterKind) -> str:
    return {
        MatterKind.PRIVATE: "住户自己能解决",
        MatterKind.MINOR: "社区和居民协商解决",
        MatterKind.MAJOR: "需要县级部门解决",
    }[kind]


def _comment(rating: Satisfaction) -> str:
    return "办得很好" if rating is Satisfaction.SATISFIED else "基本解决了"


def _generic_negotiation(
    rng: random.Random, plan: RequestPlan
) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    name = plan.household.data.residents[0].name
    parties: list[tuple[str, str, str]] = [("community", "社区居委会", "协调人员和材料，跟踪办理")]
    if rng.random() < 0.7:
        parties.append(("resident", name, "出工出力，配合办理"))
    return f"经协商，社区与{name}等居民共同解决「{plan.title}」。", tuple(parties)


async def _already_seeded(slug: str) -> bool:
    """A community that has households is left alone (seeding is for empty communities)."""
    page = await households.list_households(
        principal(slug, DemoPeople(slug).secretary, Role.COMMUNITY_CADRE),
        slug,
        HouseholdFilter(),
        first=1,
    )
    return page.total > 0


def _quiet(zh: str, en: str) -> None:
    """The default progress printer: nothing."""


async def seed_realistic(
    slug: str,
    *,
    households: int = DEFAULT_HOUSEHOLDS,
    requests: int = DEFAULT_REQUESTS,
    rng_seed: int = DEFAULT_RNG_SEED,
    settings: Settings,
    today: date | None = None,
    concurrency: int = 4,
    progress: Progress = _quiet,
) -> RealisticReport:
    """Fill community ``slug`` with a year of triage (see the module docstring); idempotent.

    A community that already has households is left as it is (``report.skipped``). Grids
    g1..g7 are created when the community has none. ``concurrency`` bounds how many acts
    run at once (votes of one agenda item, follow-up of different matters).
    """
    started = time.monotonic()
    if households < 1 or requests < 0:
        raise ValueError("households must be >= 1 and requests >= 0")
    if await _already_seeded(slug):
        return RealisticReport(slug, skipped=True)
    today = today or date.today()
    # Demo data, not secrets: a seeded generator is the point (same seed, same community).
    rng = random.Random(rng_seed)  # noqa: S311
    seeder = _Seeder(slug, settings, rng, today, concurrency, progress)
    report = seeder.report

    await seeder.grids()
    await seeder.staff()
    progress(
        f"  {slug}: 社区工作人员 {report.staff} 人（书记、干部、网格员）",
        f"staff: {report.staff} (secretary, cadres, grid workers)",
    )
    specs, cases = plan_households(rng, households, len(seeder.grid_ids), seeder.people)
    await seeder.households(specs)
    progress(
        f"  {slug}: 住户 {report.households} 户，居民 {report.residents} 人",
        f"households: {report.households}, residents: {report.residents}",
    )
    dates = session_dates(today)
    await seeder.council(specs, elected_on=dates[0] - timedelta(days=60))
    progress(
        f"  {slug}: 家园理事会成员 {report.council} 名（每网格 {SEATS_PER_GRID} 名）",
        f"homeland council: {report.council} members",
    )
    member_households = {m.household_id for m in seeder.members if m.household_id}
    plans = plan_requests(rng, requests, specs, cases, member_households)
    await _run_year(seeder, plans, dates)
    report.requests = len(plans)
    report.seconds = time.monotonic() - started
    return report


async def _run_year(seeder: _Seeder, plans: list[RequestPlan], dates: list[date]) -> None:
    """Twelve monthly sessions, each followed by the follow-up of what it decided."""
    months = _months(seeder.today)
    slug, report = seeder.slug, seeder.report
    for p in plans:
        y, m = months[p.month]
        last = calendar.monthrange(y, m)[1]
        if p.month == 12:  # this month: after its session, up to today
            first = min(dates[11].day + 1, seeder.today.day) if dates[11].month == m else 1
            p.day = p.rng.randint(first, max(first, seeder.today.day))
        p.day = min(max(p.day, 1), last)
    by_month: dict[int, list[RequestPlan]] = {}
    for p in sorted(plans, key=lambda p: (p.month, p.day, p.case == "")):
        by_month.setdefault(p.month, []).append(p)
    typhoon = 6  # one session in the typhoon season has no quorum: carried over
    carried: list[RequestPlan] = []
    for k in range(13):
        month_plans = by_month.get(k, [])
        for p in month_plans:
            y, m = months[k]
            await seeder.register(p, date(y, m, p.day))
        if k == 12:
            break
        held_on = dates[k]
        agenda = carried + [p for p in month_plans if p.fate not in (WITHDRAWN_EARLY, REGISTERED)]
        carried = await _session(seeder, k, held_on, agenda, no_quorum=k == typhoon)
        report.sessions += 1
        seeder.say(
            f"  {slug}: 第 {k + 1}/12 次理事会（{held_on}）议题 {len(agenda)} 件",
            f"council session {k + 1}/12 ({held_on}): {len(agenda)} items",
        )
    statuses = await _count(seeder)
    report.statuses.update(statuses[0])
    report.kinds.update(statuses[1])


async def _session(
    seeder: _Seeder, k: int, held_on: date, agenda: list[RequestPlan], *, no_quorum: bool
) -> list[RequestPlan]:
    """One council session; returns the requests it did not decide (for the next one)."""
    slug, s, rng = seeder.slug, seeder.settings, seeder.rng
    last = k == 11
    title = f"{held_on.year}年{held_on.month}月家园理事会"
    session = await councils.open_session(seeder.secretary, slug, held_on, title, s)
    sid = session.id
    members = seeder.members
    if no_quorum:
        present = rng.sample(members, k=max(0, len(members) // 2 - 2))
    else:
        low = max(len(members) // 2 + 2, 1)
        present = rng.sample(members, k=min(len(members), rng.randint(low, len(members))))
    await councils.record_attendance(seeder.secretary, slug, sid, [m.id for m in present])
    items = {}
    for p in agenda:
        item = await councils.add_to_agenda(seeder.secretary, slug, sid, p.matter_id)
        items[p.matter_id] = item.id
    undecided: list[RequestPlan] = []

    async def one(p: RequestPlan) -> None:
        if no_quorum:
            try:
                await councils.decide(seeder.secretary, slug, items[p.matter_id], s)
            except NoQuorum:
                undecided.append(p)
                return
        if last and p.fate == PENDING:
            undecided.append(p)
            return
        if not await seeder.deliberate(sid, items[p.matter_id], p, present):
            undecided.append(p)
            return
        if not last and p.fate in (PENDING, CLASSIFIED) and p.case == "":
            p.fate = IN_PROGRESS  # the year went on after a carried-over decision
        await seeder.follow_up(p, held_on)

    await asyncio.gather(*(seeder.limited(one(p)) for p in agenda))
    if not last:
        await councils.close_session(seeder.secretary, slug, sid)
    # Keep the original order for the next agenda (gather finishes in any order).
    order = {p.matter_id: i for i, p in enumerate(agenda)}
    return sorted(undecided, key=lambda p: order[p.matter_id])


async def _count(seeder: _Seeder) -> tuple[Counter[str], Counter[str]]:
    """Matters by status and by kind (a read for the report; nothing is written)."""
    async with tenant_tx(seeder.slug) as tx:
        rows = await tx.connection.fetch(
            "SELECT status, coalesce(kind, '-') AS kind, count(*) AS n "
            "FROM matters GROUP BY status, kind"
        )
    statuses: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for r in rows:
        statuses[r["status"]] += r["n"]
        kinds[r["kind"]] += r["n"]
    return statuses, kinds


# Sizes `make run` seeds the demo communities with: Donghai as in the article, its two
# neighbours smaller (a first start should be quick; `sanshi seed-realistic` does any size).
DEMO_SIZES: dict[str, tuple[int, int]] = {
    "donghai": (DEFAULT_HOUSEHOLDS, DEFAULT_REQUESTS),
    "jinping": (600, 120),
    "haibin": (400, 80),
}


async def seed_demo_communities(
    slugs: Iterable[str], settings: Settings, *, progress: Progress = _quiet
) -> list[RealisticReport]:
    """Seed each of the demo county's communities in ``slugs`` at its demo size."""
    reports = []
    for slug in slugs:
        if slug not in DEMO_SIZES:
            continue
        count, requests = DEMO_SIZES[slug]
        report = await seed_realistic(
            slug, households=count, requests=requests, settings=settings, progress=progress
        )
        progress(
            f"  {slug}: 已播种 {report.households} 户、{report.requests} 件诉求"
            f"（{report.seconds:.1f} 秒）",
            f"seeded {report.households} households, {report.requests} requests "
            f"({report.seconds:.1f} s)",
        )
        reports.append(report)
    return reports

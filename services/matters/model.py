"""Pure rules of three-matter triage (三事分流): kinds, lifecycle, suggestion, escalation, feedback.

No I/O and no framework imports: handlers load rows, call these functions, and save what
they return. Every expected failure is a ``SanshiError`` with a Chinese and an English message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.errors import FieldTooLong, InvalidInput, SanshiError
from services.households.model import Circumstance, Circumstances
from services.kernel.vocabulary import Labelled, labels

# --------------------------------------------------------------------------------------
# Vocabulary. Values are stable (stored in rows, sent over GraphQL); labels are what users read.
# --------------------------------------------------------------------------------------

# Household circumstances (Circumstance, Circumstances, ORDINARY_HOUSEHOLD) are the
# households context's vocabulary, imported above: the triage rules below match on them.


class MatterKind(Labelled):
    """The three kinds of matter, by who is responsible for them."""

    PRIVATE = "private"
    MINOR = "minor"
    MAJOR = "major"

    @property
    def rank(self) -> int:
        """private < minor < major: the order escalation (升格) follows."""
        return _KIND_RANK[self]


_KIND_RANK = {MatterKind.PRIVATE: 0, MatterKind.MINOR: 1, MatterKind.MAJOR: 2}


class MatterStatus(Labelled):
    """Where a matter is in its life, from registration until it is closed or withdrawn."""

    REGISTERED = "registered"
    AWAITING_COUNCIL = "awaiting_council"
    CLASSIFIED = "classified"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    WITHDRAWN = "withdrawn"


class Channel(Labelled):
    """How a request reached the ledger (登记造册)."""

    HOME_VISIT = "home_visit"
    PHONE = "phone"
    WALK_IN = "walk_in"
    ONLINE = "online"


class Satisfaction(Labelled):
    """A resident's rating of a resolved matter."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"


class ResponsibleParty(Labelled):
    """Who handles a matter; it follows from the kind (see ``responsible_for``)."""

    HOUSEHOLD = "household"
    COMMUNITY_AND_RESIDENTS = "community_and_residents"
    COUNTY_DEPARTMENTS = "county_departments"


labels(
    MatterKind,
    {
        MatterKind.PRIVATE: ("私事", "Private matter"),
        MatterKind.MINOR: ("小事", "Minor matter"),
        MatterKind.MAJOR: ("大事", "Major matter"),
    },
)

labels(
    MatterStatus,
    {
        MatterStatus.REGISTERED: ("已登记", "Registered"),
        MatterStatus.AWAITING_COUNCIL: ("待理事会", "Awaiting the council"),
        MatterStatus.CLASSIFIED: ("已归类", "Classified"),
        MatterStatus.IN_PROGRESS: ("办理中", "In progress"),
        MatterStatus.RESOLVED: ("已解决", "Resolved"),
        MatterStatus.CLOSED: ("已办结", "Closed"),
        MatterStatus.REOPENED: ("已重新办理", "Reopened"),
        MatterStatus.WITHDRAWN: ("已撤回", "Withdrawn"),
    },
)

labels(
    Channel,
    {
        Channel.HOME_VISIT: ("入户走访", "Home visit"),
        Channel.PHONE: ("电话", "Phone"),
        Channel.WALK_IN: ("来访", "Walk-in"),
        Channel.ONLINE: ("网上", "Online"),
    },
)

labels(
    Satisfaction,
    {
        Satisfaction.SATISFIED: ("满意", "Satisfied"),
        Satisfaction.BASICALLY_SATISFIED: ("基本满意", "Basically satisfied"),
        Satisfaction.UNSATISFIED: ("不满意", "Unsatisfied"),
    },
)

labels(
    ResponsibleParty,
    {
        ResponsibleParty.HOUSEHOLD: ("居民家庭", "The household"),
        ResponsibleParty.COMMUNITY_AND_RESIDENTS: (
            "社区和居民",
            "The community and residents",
        ),
        ResponsibleParty.COUNTY_DEPARTMENTS: ("县级部门", "County departments"),
    },
)


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


class IllegalTransition(SanshiError):
    code = "ILLEGAL_TRANSITION"
    zh = "事项不能从「{current_zh}」变为「{target_zh}」"
    en = "A matter cannot go from '{current_en}' to '{target_en}'"

    @classmethod
    def between(cls, current: MatterStatus, target: MatterStatus) -> IllegalTransition:
        """The error naming both statuses (labels for people, values for clients)."""
        return cls(
            current=current.value,
            target=target.value,
            current_zh=current.label_zh,
            current_en=current.label_en,
            target_zh=target.label_zh,
            target_en=target.label_en,
        )


class ReasonRequired(SanshiError):
    code = "REASON_REQUIRED"
    zh = "{action_zh}须说明理由"
    en = "A reason is required to {action_en}"


class UnknownCategory(SanshiError):
    code = "UNKNOWN_CATEGORY"
    zh = "未知的诉求类别「{category}」"
    en = "Unknown request category '{category}'"


class SameKind(SanshiError):
    code = "SAME_KIND"
    zh = "事项已是{kind_zh}，无需重新归类"
    en = "The matter is already a {kind_en_lower}; nothing to reclassify"


class CannotReclassify(SanshiError):
    code = "CANNOT_RECLASSIFY"
    zh = "「{status_zh}」的事项不能重新归类"
    en = "A matter that is '{status_en}' cannot be reclassified"


class FeedbackBeforeResolution(SanshiError):
    code = "FEEDBACK_BEFORE_RESOLUTION"
    zh = "只有已解决的事项才能评价（当前：{status_zh}）"
    en = "Only a resolved matter can be rated (this one is '{status_en}')"


class DuplicateRuleId(SanshiError):
    code = "DUPLICATE_RULE_ID"
    zh = "建议规则编号「{rule_id}」重复"
    en = "Suggestion rule id '{rule_id}' is used more than once"


class AmbiguousRules(SanshiError):
    code = "AMBIGUOUS_RULES"
    zh = "类别「{category}」有多条优先级为 {priority} 的建议规则，请设不同的优先级"
    en = (
        "Category '{category}' has more than one suggestion rule with priority {priority}; "
        "give them different priorities"
    )


# --------------------------------------------------------------------------------------
# Categories and household circumstances
# --------------------------------------------------------------------------------------

# The default category list a new community starts with (code -> (zh, en)). Categories are
# per-community data: every function below takes the community's set as an argument.
DEFAULT_CATEGORIES: Mapping[str, tuple[str, str]] = {
    "housing_repair": ("房屋维修", "Housing repair"),
    "home_lighting": ("家中照明", "Home lighting"),
    "street_lighting": ("路灯照明", "Street lighting"),
    "road_and_drainage": ("道路与排水", "Roads and drainage"),
    "public_facilities": ("公共设施", "Public facilities"),
    "public_health": ("公共卫生", "Public health"),
    "sanitation": ("环境卫生", "Sanitation"),
    "elderly_care": ("养老服务", "Elderly care"),
    "social_assistance": ("社会救助", "Social assistance"),
    "transport": ("交通出行", "Transport"),
    "illegal_construction": ("违章建筑", "Illegal construction"),
    "neighbour_dispute": ("邻里纠纷", "Neighbour dispute"),
    "pets": ("宠物饲养", "Pets"),
    "safety": ("安全隐患", "Safety hazards"),
    "other": ("其他", "Other"),
}


def check_category(category: str, categories: Mapping[str, object] | Iterable[str]) -> None:
    """Refuse a category code the community does not have."""
    if category not in categories:
        raise UnknownCategory(category=category)


# --------------------------------------------------------------------------------------
# Responsibility
# --------------------------------------------------------------------------------------

_RESPONSIBLE = {
    MatterKind.PRIVATE: ResponsibleParty.HOUSEHOLD,
    MatterKind.MINOR: ResponsibleParty.COMMUNITY_AND_RESIDENTS,
    MatterKind.MAJOR: ResponsibleParty.COUNTY_DEPARTMENTS,
}


def responsible_for(kind: MatterKind) -> ResponsibleParty:
    """Who handles a matter of this kind — the whole point of the triage."""
    return _RESPONSIBLE[kind]


# --------------------------------------------------------------------------------------
# Lifecycle
# --------------------------------------------------------------------------------------

S = MatterStatus

# The one table of allowed transitions. Decisions (docs/design/triage.md):
# - every kind goes the same way, so every matter — a private one too — gets the feedback loop;
# - reclassification is not a transition: the status stays where it is (see check_reclassifiable);
# - withdrawal is possible while work is still open, not once resolved (the matter was solved
#   and counts as such; it closes or reopens), nor from closed;
# - closed and withdrawn are terminal: a problem that comes back is a new request, so the
#   statistics of the closed one stay true.
TRANSITIONS: Mapping[MatterStatus, frozenset[MatterStatus]] = {
    S.REGISTERED: frozenset({S.AWAITING_COUNCIL, S.WITHDRAWN}),
    S.AWAITING_COUNCIL: frozenset({S.CLASSIFIED, S.WITHDRAWN}),
    S.CLASSIFIED: frozenset({S.IN_PROGRESS, S.WITHDRAWN}),
    S.IN_PROGRESS: frozenset({S.RESOLVED, S.WITHDRAWN}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.REOPENED: frozenset({S.IN_PROGRESS, S.WITHDRAWN}),
    S.CLOSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

# Targets that need a recorded why beyond the act itself: reopening (the resident's
# complaint drives the re-handling) and withdrawal (so "withdrawn" is never a silent drop).
REASON_REQUIRED_FOR: frozenset[MatterStatus] = frozenset({S.REOPENED, S.WITHDRAWN})

TERMINAL_STATUSES: frozenset[MatterStatus] = frozenset(s for s, t in TRANSITIONS.items() if not t)

# Statuses in which the kind may change: a kind exists and work is not finished.
RECLASSIFIABLE_STATUSES: frozenset[MatterStatus] = frozenset(
    {S.CLASSIFIED, S.IN_PROGRESS, S.REOPENED}
)

_ACTION = {
    S.REOPENED: ("重新办理", "reopen the matter"),
    S.WITHDRAWN: ("撤回", "withdraw the matter"),
}


def allowed_targets(current: MatterStatus) -> frozenset[MatterStatus]:
    """The statuses a matter may move to from ``current`` (for UIs: which buttons to show)."""
    return TRANSITIONS[current]


def _clean(text: str | None) -> str | None:
    """Blank is absent: a reason of spaces explains nothing."""
    if text is None:
        return None
    return text.strip() or None


def check_transition(
    current: MatterStatus, target: MatterStatus, *, reason: str | None = None
) -> None:
    """Allow ``current -> target`` or raise ``IllegalTransition`` / ``ReasonRequired``."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition.between(current, target)
    if target in REASON_REQUIRED_FOR and _clean(reason) is None:
        zh, en = _ACTION[target]
        raise ReasonRequired(action_zh=zh, action_en=en)


# --------------------------------------------------------------------------------------
# Suggestion: rules as data, one pure function over them
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionRule:
    """If a request is in ``category`` and the household matches, suggest ``kind``.

    The household matches when it has every circumstance in ``all_of`` and, if ``any_of``
    is not empty, at least one of those. A rule without conditions matches every household
    (the "ordinary household" rule). Among matching rules the highest ``priority`` wins, so
    specific rules sit above the general one of their category.
    """

    id: str
    category: str
    kind: MatterKind
    reason_zh: str
    reason_en: str
    priority: int = 0
    any_of: frozenset[Circumstance] = frozenset()
    all_of: frozenset[Circumstance] = frozenset()
    # A private matter may still get help (DOMAIN.md): suggest a referral to a volunteer team.
    referable: bool = False

    def matches(self, category: str, circumstances: Circumstances) -> bool:
        """Whether this rule applies to a request of ``category`` from such a household."""
        if category != self.category:
            return False
        flags = circumstances.flags
        if not self.all_of <= flags:
            return False
        return not self.any_of or bool(self.any_of & flags)


@dataclass(frozen=True)
class Suggestion:
    """A proposed kind with its reason. The council decides; the sheet records if it followed."""

    kind: MatterKind
    reason_zh: str
    reason_en: str
    rule_id: str | None
    referable: bool = False

    def followed_by(self, decided: MatterKind) -> bool:
        """Whether the council's decision followed this suggestion."""
        return decided is self.kind


_VULNERABLE_ELDERLY = frozenset(
    {Circumstance.ELDERLY_LIVING_ALONE, Circumstance.ELDERLY_WITHOUT_FAMILY}
)

# The safe default set a community starts with and may edit. Where DOMAIN.md has a case, the
# rule reproduces it; the rest follow the same reading of "who is responsible".
DEFAULT_RULES: tuple[SuggestionRule, ...] = (
    SuggestionRule(
        id="home_lighting.ordinary",
        category="home_lighting",
        kind=MatterKind.PRIVATE,
        reason_zh="家中照明：普通家庭自行维修",
        reason_en="Home lighting: an ordinary household repairs its own light",
    ),
    SuggestionRule(
        id="home_lighting.vulnerable_elderly",
        category="home_lighting",
        kind=MatterKind.MINOR,
        priority=10,
        any_of=_VULNERABLE_ELDERLY,
        reason_zh="家中照明：独居、孤寡老人家中的灯由社区负责处理",
        reason_en=(
            "Home lighting: for an elderly person living alone or without family, "
            "the community handles it"
        ),
    ),
    SuggestionRule(
        id="housing_repair.ordinary",
        category="housing_repair",
        kind=MatterKind.PRIVATE,
        reason_zh="房屋维修：有能力的家庭自行修缮自家房屋，由理事会说明原因",
        reason_en=(
            "Housing repair: a household able to repair its own house does so; "
            "the council explains why"
        ),
    ),
    SuggestionRule(
        id="housing_repair.without_support",
        category="housing_repair",
        kind=MatterKind.MINOR,
        priority=10,
        any_of=frozenset({Circumstance.ELDERLY_WITHOUT_FAMILY, Circumstance.SUBSISTENCE_ALLOWANCE}),
        reason_zh="房屋维修：孤寡老人或低保家庭无力自修，由社区和居民协商帮助",
        reason_en=(
            "Housing repair: an elderly person without family or a household on subsistence "
            "allowance cannot do it alone; the community and residents negotiate help"
        ),
    ),
    SuggestionRule(
        id="elderly_care.default",
        category="elderly_care",
        kind=MatterKind.PRIVATE,
        referable=True,
        reason_zh="养老服务（如按月量血压）：属私事，可转介义工队",
        reason_en=(
            "Elderly care (e.g. a monthly blood-pressure check): a private matter "
            "that may be referred to a volunteer team"
        ),
    ),
    SuggestionRule(
        id="elderly_care.without_family",
        category="elderly_care",
        kind=MatterKind.MINOR,
        priority=10,
        any_of=frozenset({Circumstance.ELDERLY_WITHOUT_FAMILY}),
        reason_zh="养老服务：孤寡老人无家人照料，由社区和居民协商解决",
        reason_en=(
            "Elderly care: an elderly person without family has no one to turn to; "
            "the community and residents negotiate it"
        ),
    ),
    SuggestionRule(
        id="street_lighting.default",
        category="street_lighting",
        kind=MatterKind.MINOR,
        reason_zh="路灯照明：社区和居民协商解决（如居民在门口装灯）",
        reason_en=(
            "Street lighting: the community and residents negotiate it "
            "(e.g. a resident mounts a light at his door)"
        ),
    ),
    SuggestionRule(
        id="transport.default",
        category="transport",
        kind=MatterKind.MAJOR,
        reason_zh="交通出行（如公交站点）：由县交通局等部门办理",
        reason_en="Transport (e.g. a bus stop): county departments such as the transport bureau",
    ),
    SuggestionRule(
        id="illegal_construction.default",
        category="illegal_construction",
        kind=MatterKind.MAJOR,
        reason_zh="违章建筑：由城管等县级部门依法处理",
        reason_en="Illegal construction: urban management and other county departments",
    ),
    SuggestionRule(
        id="neighbour_dispute.default",
        category="neighbour_dispute",
        kind=MatterKind.MINOR,
        reason_zh="邻里纠纷：社区调解，邻里协商",
        reason_en="Neighbour dispute: the community mediates, the neighbours negotiate",
    ),
    SuggestionRule(
        id="pets.default",
        category="pets",
        kind=MatterKind.MINOR,
        reason_zh="宠物饲养：居民自治、社区协调（如养犬自治公约）",
        reason_en=(
            "Pets: residents' self-governance coordinated by the community "
            "(e.g. a dog owners' convention)"
        ),
    ),
    SuggestionRule(
        id="sanitation.default",
        category="sanitation",
        kind=MatterKind.MINOR,
        reason_zh="环境卫生：社区和居民共同维护",
        reason_en="Sanitation: the community and residents keep it up together",
    ),
    SuggestionRule(
        id="public_health.default",
        category="public_health",
        kind=MatterKind.MINOR,
        reason_zh="公共卫生：社区和居民协商处理",
        reason_en="Public health: the community and residents negotiate it",
    ),
    SuggestionRule(
        id="public_facilities.default",
        category="public_facilities",
        kind=MatterKind.MINOR,
        reason_zh="公共设施：社区和居民协商处理",
        reason_en="Public facilities: the community and residents negotiate it",
    ),
    SuggestionRule(
        id="road_and_drainage.default",
        category="road_and_drainage",
        kind=MatterKind.MAJOR,
        reason_zh="道路与排水：由县级部门办理",
        reason_en="Roads and drainage: county departments",
    ),
    SuggestionRule(
        id="social_assistance.default",
        category="social_assistance",
        kind=MatterKind.MAJOR,
        reason_zh="社会救助（如低保审批）：由县民政等部门办理",
        reason_en="Social assistance (e.g. subsistence allowance): county civil affairs",
    ),
)

# Used when no rule matches (e.g. "safety", "other", or a community's own new category).
# Minor is the middle: the community and residents look at it first, and the council — who
# decides anyway — can move it either way. No rule id: nothing was matched.
FALLBACK_SUGGESTION = Suggestion(
    kind=MatterKind.MINOR,
    reason_zh="没有适用的建议规则：由理事会讨论决定",
    reason_en="No suggestion rule applies: the council decides",
    rule_id=None,
)


def suggest(
    category: str, circumstances: Circumstances, rules: Iterable[SuggestionRule]
) -> Suggestion:
    """Propose a kind for a request from its category and the household's circumstances.

    The highest-priority matching rule wins; equal priorities (which ``validate_rules``
    refuses, but rules may come from anywhere) fall back to the rule id, so the answer never
    depends on the order rules were stored in.
    """
    matching = [r for r in rules if r.matches(category, circumstances)]
    if not matching:
        return FALLBACK_SUGGESTION
    best = min(matching, key=lambda r: (-r.priority, r.id))
    return Suggestion(best.kind, best.reason_zh, best.reason_en, best.id, best.referable)


def validate_rules(
    rules: Iterable[SuggestionRule], categories: Mapping[str, object] | Iterable[str]
) -> None:
    """Refuse a community's edited rule set that would misbehave.

    Unknown categories (a typo would silently never match), duplicate ids (the sheet records
    which rule was used), empty reasons (the council must see why), and two rules of one
    category with one priority (which one wins would be an accident).
    """
    known = set(categories)
    seen_ids: set[str] = set()
    seen_priorities: set[tuple[str, int]] = set()
    for rule in rules:
        check_category(rule.category, known)
        if rule.id in seen_ids:
            raise DuplicateRuleId(rule_id=rule.id)
        seen_ids.add(rule.id)
        if not rule.reason_zh.strip() or not rule.reason_en.strip():
            raise InvalidInput(
                field_zh=f"建议规则「{rule.id}」须有中英文理由",
                field_en=f"suggestion rule '{rule.id}' needs a reason in Chinese and English",
            )
        key = (rule.category, rule.priority)
        if key in seen_priorities:
            raise AmbiguousRules(category=rule.category, priority=rule.priority)
        seen_priorities.add(key)


# --------------------------------------------------------------------------------------
# Reclassification and escalation (升格)
# --------------------------------------------------------------------------------------


def is_escalation(old: MatterKind, new: MatterKind) -> bool:
    """Whether ``old -> new`` moves up (private < minor < major)."""
    return new.rank > old.rank


@dataclass(frozen=True)
class Reclassification:
    """A change of kind as it goes into the history: old, new, why, on what evidence."""

    old_kind: MatterKind
    new_kind: MatterKind
    reason: str
    evidence: tuple[str, ...]
    escalation: bool
    responsible: ResponsibleParty


def check_reclassifiable(status: MatterStatus) -> None:
    """A kind can change only once there is one and while the matter is still being handled."""
    if status not in RECLASSIFIABLE_STATUSES:
        raise CannotReclassify(
            status=status.value, status_zh=status.label_zh, status_en=status.label_en
        )


def check_reclassification(
    old_kind: MatterKind,
    new_kind: MatterKind,
    reason: str | None,
    evidence: Iterable[str] = (),
) -> Reclassification:
    """Allow a change of kind, or raise ``SameKind`` / ``ReasonRequired``.

    The reason is always required: every change of kind is kept with who, when and why.
    Evidence (site-visit notes, photo references) is kept when given but not required —
    a council correcting its own mistake may have none. Blank evidence items are dropped.
    """
    if old_kind is new_kind:
        raise SameKind(
            kind=new_kind.value, kind_zh=new_kind.label_zh, kind_en_lower=new_kind.label_en.lower()
        )
    cleaned = _clean(reason)
    if cleaned is None:
        raise ReasonRequired(action_zh="重新归类", action_en="change the kind of a matter")
    kept = tuple(e.strip() for e in evidence if e.strip())
    return Reclassification(
        old_kind=old_kind,
        new_kind=new_kind,
        reason=cleaned,
        evidence=kept,
        escalation=is_escalation(old_kind, new_kind),
        responsible=responsible_for(new_kind),
    )


# --------------------------------------------------------------------------------------
# Resident feedback
# --------------------------------------------------------------------------------------


def check_feedback(
    status: MatterStatus,
    rating: Satisfaction,
    comment: str | None = None,
    reopen_reason: str | None = None,
) -> MatterStatus:
    """Accept a resident's rating of a resolved matter and return the status it leads to.

    Satisfied or basically satisfied closes the matter. Unsatisfied reopens it, once the
    reason is recorded — the loop that keeps a matter followed until it is really solved.
    A reopen reason with a satisfied rating contradicts itself and is refused rather than
    guessed at. The comment is optional for every rating and is stored by the handler;
    no rule depends on it beyond its length (``check_text``).
    """
    if status is not MatterStatus.RESOLVED:
        raise FeedbackBeforeResolution(
            status=status.value, status_zh=status.label_zh, status_en=status.label_en
        )
    reason = _clean(reopen_reason)
    if rating is Satisfaction.UNSATISFIED:
        target = MatterStatus.REOPENED
    else:
        if reason is not None:
            raise InvalidInput(
                field_zh="评价为满意时不能要求重新办理",
                field_en="a satisfied rating cannot ask to reopen the matter",
            )
        target = MatterStatus.CLOSED
    check_transition(status, target, reason=reason)
    return target


# --------------------------------------------------------------------------------------
# Text limits
# --------------------------------------------------------------------------------------

# Chinese names of the free-text fields, for the Chinese message; unknown fields show as-is.
FIELD_LABELS_ZH: Mapping[str, str] = {
    "description": "描述",
    "place": "地点",
    "note": "备注",
    "reason": "理由",
    "evidence": "证据",
    "comment": "评价意见",
    "explanation": "说明",
    "reopen_reason": "重新办理理由",
}


def check_text(field: str, value: str | None, limit: int) -> None:
    """Refuse text longer than ``limit`` characters (limits come from settings).

    Characters, not bytes: one Chinese character is one character to the people typing it.
    """
    if limit < 1:
        raise ValueError(f"text limit for {field!r} must be positive, got {limit}")
    if value is not None and len(value) > limit:
        raise FieldTooLong(field=field, field_zh=FIELD_LABELS_ZH.get(field, field), limit=limit)


# --------------------------------------------------------------------------------------
# Referrals (转介): where a referral to a resident group stands
# --------------------------------------------------------------------------------------
class ReferralStatus(Labelled):
    """Where a referral stands: referred, then accepted (and completed) or declined by the
    group it names. Free-text referrals, with no registered group, stay referred. The
    group's acts and the transitions between these are the groups context's
    (services/groups/model.py, "Referrals")."""

    REFERRED = "referred"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    COMPLETED = "completed"


labels(
    ReferralStatus,
    {
        ReferralStatus.REFERRED: ("已转介", "Referred"),
        ReferralStatus.ACCEPTED: ("已接受", "Accepted"),
        ReferralStatus.DECLINED: ("已婉拒", "Declined"),
        ReferralStatus.COMPLETED: ("已完成", "Completed"),
    },
)

"""Pure rules of three-matter triage: kinds, lifecycle, suggestion, escalation, feedback, text."""

import itertools

import pytest

from services.errors import FieldTooLong, InvalidInput, TextTooLong
from services.households.model import ORDINARY_HOUSEHOLD, Circumstance, Circumstances
from services.matters.model import (
    DEFAULT_CATEGORIES,
    DEFAULT_RULES,
    FALLBACK_SUGGESTION,
    AmbiguousRules,
    CannotReclassify,
    Channel,
    DuplicateRuleId,
    FeedbackBeforeResolution,
    IllegalTransition,
    MatterKind,
    MatterStatus,
    ReasonRequired,
    ResponsibleParty,
    SameKind,
    Satisfaction,
    SuggestionRule,
    UnknownCategory,
    allowed_targets,
    check_category,
    check_feedback,
    check_reclassifiable,
    check_reclassification,
    check_text,
    check_transition,
    is_escalation,
    responsible_for,
    suggest,
    validate_rules,
)

S = MatterStatus
K = MatterKind
C = Circumstance

ALONE = Circumstances(elderly_living_alone=True)
WITHOUT_FAMILY = Circumstances(elderly_without_family=True)
LOW_INCOME = Circumstances(subsistence_allowance=True)
RENTING = Circumstances(renting=True)
DISABLED = Circumstances(disability=True)

# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "enum_cls", [MatterKind, MatterStatus, Channel, Satisfaction, ResponsibleParty, Circumstance]
)
def test_every_member_has_distinct_bilingual_labels(enum_cls):
    """Every vocabulary member has a Chinese and an English label, none shared within an enum."""
    zh = [m.label_zh for m in enum_cls]
    en = [m.label_en for m in enum_cls]
    assert all(zh) and all(en)
    assert len(set(zh)) == len(zh) and len(set(en)) == len(en)


@pytest.mark.parametrize(
    ("member", "zh"),
    [
        (K.PRIVATE, "私事"),
        (K.MINOR, "小事"),
        (K.MAJOR, "大事"),
        (S.REGISTERED, "已登记"),
        (S.AWAITING_COUNCIL, "待理事会"),
        (S.CLASSIFIED, "已归类"),
        (S.IN_PROGRESS, "办理中"),
        (S.RESOLVED, "已解决"),
        (S.CLOSED, "已办结"),
        (S.REOPENED, "已重新办理"),
        (S.WITHDRAWN, "已撤回"),
        (Satisfaction.SATISFIED, "满意"),
        (Satisfaction.BASICALLY_SATISFIED, "基本满意"),
        (Satisfaction.UNSATISFIED, "不满意"),
        (C.ELDERLY_LIVING_ALONE, "独居老人"),
        (C.ELDERLY_WITHOUT_FAMILY, "孤寡老人"),
        (C.SUBSISTENCE_ALLOWANCE, "低保"),
        (C.RENTING, "出租户"),
    ],
)
def test_glossary_terms(member, zh):
    """Chinese labels are the glossary's terms."""
    assert member.label_zh == zh


def test_circumstances_flags_and_of_round_trip():
    """Circumstances.of(...) sets exactly the given flags; an ordinary household has none."""
    assert ORDINARY_HOUSEHOLD.flags == frozenset()
    for flag in C:
        assert Circumstances.of(flag).flags == {flag}
    both = Circumstances.of(C.ELDERLY_LIVING_ALONE, C.DISABILITY)
    assert both.flags == {C.ELDERLY_LIVING_ALONE, C.DISABILITY}


def test_circumstances_are_immutable():
    """A household's circumstances are a value: changing one makes a new value."""
    with pytest.raises(AttributeError):
        ALONE.renting = True  # type: ignore[misc]


# --------------------------------------------------------------------------------------
# Responsibility and escalation order
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "party"),
    [
        (K.PRIVATE, ResponsibleParty.HOUSEHOLD),
        (K.MINOR, ResponsibleParty.COMMUNITY_AND_RESIDENTS),
        (K.MAJOR, ResponsibleParty.COUNTY_DEPARTMENTS),
    ],
)
def test_responsible_for(kind, party):
    """Private: the household; minor: community and residents; major: county departments."""
    assert responsible_for(kind) is party


@pytest.mark.parametrize(
    ("old", "new", "up"),
    [
        (K.PRIVATE, K.MINOR, True),
        (K.PRIVATE, K.MAJOR, True),
        (K.MINOR, K.MAJOR, True),
        (K.MINOR, K.PRIVATE, False),
        (K.MAJOR, K.MINOR, False),
        (K.MAJOR, K.PRIVATE, False),
        (K.MINOR, K.MINOR, False),
    ],
)
def test_is_escalation(old, new, up):
    """Escalation (升格) means moving up private < minor < major."""
    assert is_escalation(old, new) is up


# --------------------------------------------------------------------------------------
# Lifecycle: the whole 8 x 8 table, written out here independently of the model's table
# --------------------------------------------------------------------------------------

EXPECTED_ALLOWED = {
    (S.REGISTERED, S.AWAITING_COUNCIL),
    (S.REGISTERED, S.WITHDRAWN),
    (S.AWAITING_COUNCIL, S.CLASSIFIED),
    (S.AWAITING_COUNCIL, S.WITHDRAWN),
    (S.CLASSIFIED, S.IN_PROGRESS),
    (S.CLASSIFIED, S.WITHDRAWN),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.IN_PROGRESS, S.WITHDRAWN),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.REOPENED),
    (S.REOPENED, S.IN_PROGRESS),
    (S.REOPENED, S.WITHDRAWN),
}
ALL_PAIRS = list(itertools.product(S, S))
ILLEGAL_PAIRS = [p for p in ALL_PAIRS if p not in EXPECTED_ALLOWED]


@pytest.mark.parametrize(("current", "target"), sorted(EXPECTED_ALLOWED))
def test_allowed_transition(current, target):
    """Each allowed transition passes (with a reason, which some targets need)."""
    check_transition(current, target, reason="居民要求 / resident asked")


@pytest.mark.parametrize(("current", "target"), ILLEGAL_PAIRS)
def test_illegal_transition(current, target):
    """Each disallowed pair is a typed error naming both statuses in Chinese and English."""
    with pytest.raises(IllegalTransition) as exc:
        check_transition(current, target, reason="any reason")
    err = exc.value
    assert err.code == "ILLEGAL_TRANSITION"
    assert current.label_zh in err.message_zh and target.label_zh in err.message_zh
    assert current.label_en in err.message_en and target.label_en in err.message_en
    assert err.params["current"] == current.value and err.params["target"] == target.value


def test_transition_table_size():
    """Exactly 12 of the 64 pairs are allowed (guards against a silently widened table)."""
    assert len(ILLEGAL_PAIRS) == 64 - 12


@pytest.mark.parametrize("status", list(S))
def test_allowed_targets_matches_check_transition(status):
    """allowed_targets (for UIs) lists exactly the targets check_transition accepts."""
    assert allowed_targets(status) == {t for (c, t) in EXPECTED_ALLOWED if c is status}


@pytest.mark.parametrize("status", [S.CLOSED, S.WITHDRAWN])
def test_terminal_statuses_lead_nowhere(status):
    """Closed and withdrawn are terminal: a recurring problem is a new request."""
    assert allowed_targets(status) == frozenset()


@pytest.mark.parametrize("status", [S.CLOSED, S.RESOLVED])
def test_cannot_withdraw_after_resolution(status):
    """Withdrawal is for open work; a resolved or closed matter is not withdrawn."""
    with pytest.raises(IllegalTransition):
        check_transition(status, S.WITHDRAWN, reason="不想要了")


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.RESOLVED, S.REOPENED),
        *((c, S.WITHDRAWN) for c, t in EXPECTED_ALLOWED if t is S.WITHDRAWN),
    ],
)
@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_reason_required_for_reopen_and_withdraw(current, target, reason):
    """Reopening and withdrawing need a reason; blank does not count as one."""
    with pytest.raises(ReasonRequired) as exc:
        check_transition(current, target, reason=reason)
    assert "理由" in exc.value.message_zh and "reason" in exc.value.message_en


@pytest.mark.parametrize(
    ("current", "target"),
    [(c, t) for c, t in EXPECTED_ALLOWED if t not in {S.REOPENED, S.WITHDRAWN}],
)
def test_other_transitions_need_no_reason(current, target):
    """The forward path needs no reason: the act itself is the why."""
    check_transition(current, target, reason=None)


def test_happy_path_walks_to_closed():
    """registered → awaiting council → classified → in progress → resolved → closed."""
    path = [S.REGISTERED, S.AWAITING_COUNCIL, S.CLASSIFIED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED]
    for current, target in itertools.pairwise(path):
        check_transition(current, target)


@pytest.mark.parametrize(
    ("status", "ok"),
    [
        (S.REGISTERED, False),
        (S.AWAITING_COUNCIL, False),
        (S.CLASSIFIED, True),
        (S.IN_PROGRESS, True),
        (S.REOPENED, True),
        (S.RESOLVED, False),
        (S.CLOSED, False),
        (S.WITHDRAWN, False),
    ],
)
def test_reclassifiable_statuses(status, ok):
    """The kind can change once a matter has one and while it is being handled."""
    if ok:
        check_reclassifiable(status)
    else:
        with pytest.raises(CannotReclassify) as exc:
            check_reclassifiable(status)
        assert status.label_zh in exc.value.message_zh


# --------------------------------------------------------------------------------------
# Categories and suggestion rules
# --------------------------------------------------------------------------------------


def test_default_categories_cover_the_issue_list():
    """The default set has the categories the issue names, each with zh and en names."""
    for code in [
        "housing_repair",
        "street_lighting",
        "home_lighting",
        "public_health",
        "elderly_care",
        "transport",
        "illegal_construction",
        "neighbour_dispute",
        "pets",
        "sanitation",
    ]:
        assert code in DEFAULT_CATEGORIES
    assert all(zh and en for zh, en in DEFAULT_CATEGORIES.values())


def test_default_rules_are_valid_for_default_categories():
    """The shipped rule set passes the same validation a community's edits must pass."""
    validate_rules(DEFAULT_RULES, DEFAULT_CATEGORIES)


@pytest.mark.parametrize("categories", [DEFAULT_CATEGORIES, {"pets": ("宠物", "Pets")}, ["pets"]])
def test_check_category_accepts_known(categories):
    """A category the community has is accepted (mapping or plain list)."""
    check_category("pets", categories)


def test_check_category_refuses_unknown():
    """A category the community does not have is a typed, bilingual error."""
    with pytest.raises(UnknownCategory) as exc:
        check_category("ufo_sighting", DEFAULT_CATEGORIES)
    assert "ufo_sighting" in exc.value.message_zh and "ufo_sighting" in exc.value.message_en


# The cases of DOMAIN.md at the rule level, plus the neighbouring defaults.
@pytest.mark.parametrize(
    ("category", "household", "kind", "rule_id", "referable"),
    [
        # the healthy family asks for its old house to be repaired: private
        ("housing_repair", ORDINARY_HOUSEHOLD, K.PRIVATE, "housing_repair.ordinary", False),
        # the monthly blood-pressure request, from an elderly resident living alone: private,
        # referable to the Golden Harbour volunteer team
        ("elderly_care", ALONE, K.PRIVATE, "elderly_care.default", True),
        ("elderly_care", ORDINARY_HOUSEHOLD, K.PRIVATE, "elderly_care.default", True),
        # no street light at the alley entrance: minor
        ("street_lighting", ORDINARY_HOUSEHOLD, K.MINOR, "street_lighting.default", False),
        # the bus stop should move east: major
        ("transport", ORDINARY_HOUSEHOLD, K.MAJOR, "transport.default", False),
        # broken light at home: private for an ordinary household ...
        ("home_lighting", ORDINARY_HOUSEHOLD, K.PRIVATE, "home_lighting.ordinary", False),
        ("home_lighting", RENTING, K.PRIVATE, "home_lighting.ordinary", False),
        # ... minor (the community handles it) for an elderly person alone or without family
        ("home_lighting", ALONE, K.MINOR, "home_lighting.vulnerable_elderly", False),
        ("home_lighting", WITHOUT_FAMILY, K.MINOR, "home_lighting.vulnerable_elderly", False),
        (
            "home_lighting",
            Circumstances.of(C.ELDERLY_LIVING_ALONE, C.ELDERLY_WITHOUT_FAMILY, C.DISABILITY),
            K.MINOR,
            "home_lighting.vulnerable_elderly",
            False,
        ),
        # the eaves enclosure, as first registered: a neighbour dispute, minor
        ("neighbour_dispute", ORDINARY_HOUSEHOLD, K.MINOR, "neighbour_dispute.default", False),
        # once seen as illegal construction: major (urban management)
        (
            "illegal_construction",
            ORDINARY_HOUSEHOLD,
            K.MAJOR,
            "illegal_construction.default",
            False,
        ),
        # housing repair for a household that cannot do it alone: minor
        ("housing_repair", WITHOUT_FAMILY, K.MINOR, "housing_repair.without_support", False),
        ("housing_repair", LOW_INCOME, K.MINOR, "housing_repair.without_support", False),
        ("housing_repair", ALONE, K.PRIVATE, "housing_repair.ordinary", False),
        ("elderly_care", WITHOUT_FAMILY, K.MINOR, "elderly_care.without_family", False),
        ("pets", ORDINARY_HOUSEHOLD, K.MINOR, "pets.default", False),
        ("sanitation", DISABLED, K.MINOR, "sanitation.default", False),
    ],
)
def test_suggest_domain_cases(category, household, kind, rule_id, referable):
    """Suggestion follows DOMAIN.md: context decides, not the category alone."""
    s = suggest(category, household, DEFAULT_RULES)
    assert (s.kind, s.rule_id, s.referable) == (kind, rule_id, referable)
    assert s.reason_zh and s.reason_en


def test_home_light_reason_says_why_in_both_languages():
    """The suggested reason names the circumstance that changed the answer."""
    s = suggest("home_lighting", ALONE, DEFAULT_RULES)
    assert "独居" in s.reason_zh and "alone" in s.reason_en


@pytest.mark.parametrize("category", ["safety", "other", "a_community_own_category"])
def test_suggest_falls_back_to_minor_council_decides(category):
    """No matching rule: minor, 'the council decides', and no rule id."""
    s = suggest(category, ALONE, DEFAULT_RULES)
    assert s == FALLBACK_SUGGESTION
    assert s.kind is K.MINOR and s.rule_id is None
    assert "理事会" in s.reason_zh and "council" in s.reason_en


def test_suggest_with_no_rules_falls_back():
    """A community that deleted every rule still gets a deterministic suggestion."""
    assert suggest("home_lighting", ALONE, []) == FALLBACK_SUGGESTION


def rule(rid, category="pets", kind=K.MINOR, priority=0, **kw):
    return SuggestionRule(
        id=rid,
        category=category,
        kind=kind,
        reason_zh="理由",
        reason_en="why",
        priority=priority,
        **kw,
    )


@pytest.mark.parametrize(
    ("household", "matches"),
    [
        (ORDINARY_HOUSEHOLD, False),
        (ALONE, False),
        (DISABLED, False),
        (Circumstances.of(C.ELDERLY_LIVING_ALONE, C.DISABILITY), True),
        (Circumstances.of(C.ELDERLY_LIVING_ALONE, C.DISABILITY, C.RENTING), True),
    ],
)
def test_all_of_needs_every_circumstance(household, matches):
    """all_of matches only a household with every listed circumstance."""
    r = rule("x", all_of=frozenset({C.ELDERLY_LIVING_ALONE, C.DISABILITY}))
    assert r.matches("pets", household) is matches


@pytest.mark.parametrize(
    ("household", "matches"),
    [
        (ORDINARY_HOUSEHOLD, False),
        (RENTING, False),
        (ALONE, True),
        (DISABLED, True),
    ],
)
def test_any_of_needs_one_circumstance(household, matches):
    """any_of matches a household with at least one listed circumstance."""
    r = rule("x", any_of=frozenset({C.ELDERLY_LIVING_ALONE, C.DISABILITY}))
    assert r.matches("pets", household) is matches


def test_any_and_all_combine():
    """all_of and any_of must both hold."""
    r = rule(
        "x",
        all_of=frozenset({C.SUBSISTENCE_ALLOWANCE}),
        any_of=frozenset({C.DISABILITY, C.ELDERLY_WITHOUT_FAMILY}),
    )
    assert not r.matches("pets", LOW_INCOME)
    assert not r.matches("pets", DISABLED)
    assert r.matches("pets", Circumstances.of(C.SUBSISTENCE_ALLOWANCE, C.DISABILITY))


def test_rule_never_matches_another_category():
    """A rule applies to its own category only."""
    assert not rule("x", category="pets").matches("transport", ORDINARY_HOUSEHOLD)


def test_higher_priority_wins_regardless_of_order():
    """The most specific (highest-priority) matching rule wins, whatever the stored order."""
    general = rule("general", kind=K.PRIVATE)
    specific = rule("specific", kind=K.MAJOR, priority=5, any_of=frozenset({C.DISABILITY}))
    for rules in ([general, specific], [specific, general]):
        assert suggest("pets", DISABLED, rules).rule_id == "specific"
        assert suggest("pets", ORDINARY_HOUSEHOLD, rules).rule_id == "general"


def test_equal_priority_tie_is_broken_by_rule_id():
    """Unvalidated rules with equal priority still give one answer: the smaller id."""
    a, b = rule("a", kind=K.MAJOR), rule("b", kind=K.PRIVATE)
    assert suggest("pets", ORDINARY_HOUSEHOLD, [b, a]).rule_id == "a"
    assert suggest("pets", ORDINARY_HOUSEHOLD, [a, b]).rule_id == "a"


@pytest.mark.parametrize(("decided", "followed"), [(K.MINOR, True), (K.MAJOR, False)])
def test_suggestion_followed_by(decided, followed):
    """The sheet records whether the council followed the suggestion."""
    s = suggest("street_lighting", ORDINARY_HOUSEHOLD, DEFAULT_RULES)
    assert s.followed_by(decided) is followed


@pytest.mark.parametrize(
    ("rules", "error"),
    [
        ([rule("x", category="ufo")], UnknownCategory),
        ([rule("x"), rule("x", priority=1)], DuplicateRuleId),
        ([rule("x"), rule("y")], AmbiguousRules),
        ([SuggestionRule("x", "pets", K.MINOR, " ", "why")], InvalidInput),
        ([SuggestionRule("x", "pets", K.MINOR, "理由", "")], InvalidInput),
    ],
)
def test_validate_rules_refuses(rules, error):
    """Edited rules with unknown categories, duplicate ids, ambiguity or no reason are refused."""
    with pytest.raises(error):
        validate_rules(rules, DEFAULT_CATEGORIES)


def test_validate_rules_accepts_distinct_priorities_and_other_categories():
    """Same priority in different categories, or different priorities in one, is fine."""
    validate_rules(
        [rule("a"), rule("b", priority=1), rule("c", category="transport")], DEFAULT_CATEGORIES
    )


def test_validate_rules_uses_the_community_categories():
    """A community's own category is valid for its rules; a default one it removed is not."""
    own = {"typhoon_shelter": ("防台避险", "Typhoon shelter")}
    validate_rules([rule("t", category="typhoon_shelter")], own)
    with pytest.raises(UnknownCategory):
        validate_rules([rule("p", category="pets")], own)


# --------------------------------------------------------------------------------------
# Reclassification / escalation
# --------------------------------------------------------------------------------------


def test_eaves_enclosure_minor_then_escalated_to_major():
    """The eaves enclosure: minor, then escalated to major after the site visit, with reason."""
    first = suggest("neighbour_dispute", ORDINARY_HOUSEHOLD, DEFAULT_RULES)
    assert first.kind is K.MINOR
    check_reclassifiable(S.IN_PROGRESS)
    r = check_reclassification(
        K.MINOR,
        K.MAJOR,
        "  网格员现场查看：疑似违章建筑，移交城管  ",
        ["现场照片 photo-17", "  "],
    )
    assert r.escalation is True
    assert r.responsible is ResponsibleParty.COUNTY_DEPARTMENTS
    assert r.reason == "网格员现场查看：疑似违章建筑，移交城管"
    assert r.evidence == ("现场照片 photo-17",)
    assert (r.old_kind, r.new_kind) == (K.MINOR, K.MAJOR)


@pytest.mark.parametrize(
    ("old", "new", "escalation", "party"),
    [
        (K.MAJOR, K.MINOR, False, ResponsibleParty.COMMUNITY_AND_RESIDENTS),
        (K.MINOR, K.PRIVATE, False, ResponsibleParty.HOUSEHOLD),
        (K.PRIVATE, K.MAJOR, True, ResponsibleParty.COUNTY_DEPARTMENTS),
    ],
)
def test_reclassification_responsible_follows_new_kind(old, new, escalation, party):
    """Any change of kind is allowed with a reason; the responsible party follows the new kind."""
    r = check_reclassification(old, new, "理事会复议")
    assert (r.escalation, r.responsible, r.evidence) == (escalation, party, ())


@pytest.mark.parametrize("kind", list(K))
def test_reclassification_to_same_kind_refused(kind):
    """Reclassifying to the kind a matter already has is refused, bilingually."""
    with pytest.raises(SameKind) as exc:
        check_reclassification(kind, kind, "reason")
    assert kind.label_zh in exc.value.message_zh
    assert kind.label_en.lower() in exc.value.message_en


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_reclassification_needs_reason(reason):
    """Every change of kind is kept with why: no reason, no change."""
    with pytest.raises(ReasonRequired):
        check_reclassification(K.MINOR, K.MAJOR, reason, ["photo"])


# --------------------------------------------------------------------------------------
# Resident feedback
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "comment", "result"),
    [
        (Satisfaction.SATISFIED, "谢谢", S.CLOSED),
        (Satisfaction.SATISFIED, None, S.CLOSED),
        (Satisfaction.BASICALLY_SATISFIED, "灯装了，纱窗还没装", S.CLOSED),
    ],
)
def test_satisfied_feedback_closes(rating, comment, result):
    """Satisfied or basically satisfied closes a resolved matter."""
    assert check_feedback(S.RESOLVED, rating, comment, None) is result


def test_unsatisfied_feedback_reopens_with_reason():
    """Unsatisfied reopens the matter once the reason is recorded."""
    got = check_feedback(S.RESOLVED, Satisfaction.UNSATISFIED, "还是漏雨", "屋顶仍然漏雨")
    assert got is S.REOPENED
    # and the reopened matter goes back to work
    check_transition(got, S.IN_PROGRESS)


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_unsatisfied_feedback_without_reason_refused(reason):
    """Unsatisfied without a reason is refused: the re-handling needs to know what is wrong."""
    with pytest.raises(ReasonRequired):
        check_feedback(S.RESOLVED, Satisfaction.UNSATISFIED, "不行", reason)


def test_satisfied_feedback_with_reopen_reason_refused():
    """A satisfied rating that asks to reopen contradicts itself and is refused, not guessed."""
    with pytest.raises(InvalidInput):
        check_feedback(S.RESOLVED, Satisfaction.SATISFIED, None, "请重新办理")


@pytest.mark.parametrize("status", [s for s in S if s is not S.RESOLVED])
@pytest.mark.parametrize("rating", list(Satisfaction))
def test_feedback_before_resolution_refused(status, rating):
    """Feedback is taken only on resolved matters; any other status is a typed error."""
    with pytest.raises(FeedbackBeforeResolution) as exc:
        check_feedback(status, rating, "评价", "理由")
    assert status.label_zh in exc.value.message_zh
    assert status.label_en in exc.value.message_en


# --------------------------------------------------------------------------------------
# Text limits
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "limit"),
    [(None, 1), ("", 1), ("a", 1), ("路灯坏了", 4), ("x" * 2000, 2000)],
)
def test_text_within_limit(value, limit):
    """Text up to the limit (in characters, Chinese ones count one each) is accepted."""
    check_text("description", value, limit)


@pytest.mark.parametrize(
    ("field", "value", "limit", "zh_name"),
    [
        ("description", "路灯坏了！", 4, "描述"),
        ("reason", "x" * 501, 500, "理由"),
        ("some_field", "ab", 1, "some_field"),
    ],
)
def test_text_too_long(field, value, limit, zh_name):
    """Oversize text is TextTooLong (the shared code), naming the field in each language."""
    with pytest.raises(TextTooLong) as exc:
        check_text(field, value, limit)
    err = exc.value
    assert isinstance(err, FieldTooLong) and err.code == "TEXT_TOO_LONG"
    assert zh_name in err.message_zh and str(limit) in err.message_zh
    assert field in err.message_en and str(limit) in err.message_en


@pytest.mark.parametrize("limit", [0, -1])
def test_text_limit_must_be_positive(limit):
    """A non-positive limit is a configuration bug, not a user error."""
    with pytest.raises(ValueError, match="positive"):
        check_text("description", "a", limit)

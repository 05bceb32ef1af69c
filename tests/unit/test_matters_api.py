"""Pure pieces of the matters adapters: enums, cursors, ledger filters, CSV cells, error types."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.api.kit.errors import error_type_for
from services.errors import InvalidInput, SanshiError
from services.households.api import CircumstanceType
from services.households.model import HouseholdNotFound
from services.kernel.pagination import decode_cursor, encode_cursor
from services.matters import api, export, handlers, model, queries
from services.matters.errors import MatterNotFound


@pytest.mark.parametrize(
    ("gql", "domain"),
    [
        (api.MatterStatusType, model.MatterStatus),
        (api.ChannelType, model.Channel),
        (api.SatisfactionType, model.Satisfaction),
        (api.ResponsiblePartyType, model.ResponsibleParty),
        (CircumstanceType, model.Circumstance),
    ],
    ids=lambda t: getattr(t, "__name__", str(t)),
)
def test_graphql_enums_mirror_the_model(gql, domain):
    """Same members and values as the model's enum, labelled `中文 / English`."""
    assert [(m.name, m.value) for m in gql] == [(d.name, d.value) for d in domain]
    described = {v.name: v.description for v in gql.__strawberry_definition__.values}
    for d in domain:
        assert described[d.name] == f"{d.label_zh} / {d.label_en}"


def test_every_matters_error_has_its_own_graphql_type():
    """Each error the matters handlers raise maps to a type named after it."""
    errors: list[SanshiError] = [
        model.IllegalTransition.between(model.MatterStatus.CLOSED, model.MatterStatus.REOPENED),
        model.ReasonRequired(action_zh="撤回", action_en="withdraw"),
        model.UnknownCategory(category="x"),
        model.SameKind(kind="minor", kind_zh="小事", kind_en_lower="minor matter"),
        model.CannotReclassify(status="closed", status_zh="已办结", status_en="Closed"),
        model.FeedbackBeforeResolution(status="x", status_zh="x", status_en="x"),
        model.DuplicateRuleId(rule_id="r"),
        model.AmbiguousRules(category="c", priority=1),
        MatterNotFound(),
        HouseholdNotFound(),
        handlers.CommitmentNotFound(),
        handlers.MatterNotOpen(status="closed", status_zh="已办结", status_en="Closed"),
        handlers.WrongKind.expected((model.MatterKind.MINOR,), model.MatterKind.PRIVATE),
    ]
    for err in errors:
        gql = error_type_for(err)
        assert gql is not None, type(err)
        assert gql.__strawberry_definition__.name == f"{type(err).__name__}Error"
    too_long = model.FieldTooLong(field="note", field_zh="备注", limit=3)
    assert error_type_for(too_long).__strawberry_definition__.name == "TextTooLongError"


def test_wrong_kind_names_both_kinds_in_both_languages():
    """The message says what the act needs and what the matter is."""
    err = handlers.WrongKind.expected(
        (model.MatterKind.PRIVATE, model.MatterKind.MINOR), model.MatterKind.MAJOR
    )
    assert err.message_zh == "此操作只适用于私事、小事（本事项是大事）"
    assert err.message_en == (
        "This applies to private matter or minor matter only (this matter is major matter)"
    )


def test_cursor_round_trip_and_refusals():
    """A ledger cursor (registered_at, id) decodes to what it encoded; anything else is
    InvalidInput (the one codec, services.kernel.pagination)."""
    at = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    cursor = encode_cursor(at, 42)
    assert decode_cursor(cursor, datetime, int) == (at, 42)
    for bad in ("", "abc", "W10", encode_cursor(at, 1)[:-3]):
        with pytest.raises(InvalidInput):
            decode_cursor(bad, datetime, int)


def test_filter_conditions_bind_every_value():
    """Filters become conditions with placeholders; no value is spliced into SQL."""
    args: list = []
    filt = queries.MatterFilter(
        grid_ids=(1, 2),
        kinds=(model.MatterKind.MAJOR,),
        categories=("transport",),
        date_field=queries.DateField.OCCURRED,
        date_from=date(2026, 1, 1),
        search="50%_off' OR 1=1",
    )
    conds = queries.filter_conditions(filt, args)
    sql = " AND ".join(conds)
    assert "OR 1=1" not in sql and "occurred_on >= $4" in sql
    assert args == [[1, 2], ["major"], ["transport"], date(2026, 1, 1), "%50\\%\\_off' OR 1=1%"]


def test_filter_check_refuses_inverted_ranges_and_long_search():
    """dateFrom after dateTo, and a search longer than the limit, are refused."""
    with pytest.raises(InvalidInput):
        queries.MatterFilter(date_from=date(2026, 2, 1), date_to=date(2026, 1, 1)).check()
    with pytest.raises(model.FieldTooLong):
        queries.MatterFilter(search="字" * (queries.MAX_SEARCH_LENGTH + 1)).check()


def test_export_filter_from_url_parameters():
    """Repeated parameters mean "any of"; bad values are InvalidInput naming the parameter."""
    params = {"grid": ["3", "4"], "kind": ["major"], "dateField": ["occurred"], "q": ["灯"]}
    filt = export.filter_from_query(lambda name: params.get(name, []))
    assert filt.grid_ids == (3, 4) and filt.kinds == (model.MatterKind.MAJOR,)
    assert filt.date_field is queries.DateField.OCCURRED and filt.search == "灯"
    for bad in ({"grid": ["x"]}, {"status": ["done"]}, {"from": ["March"]}):
        with pytest.raises(InvalidInput) as caught:
            export.filter_from_query(lambda name, b=bad: b.get(name, []))
        assert next(iter(bad)) in caught.value.message_en


def test_csv_cells_defuse_formulas_and_header_is_bilingual():
    """Cells that a spreadsheet would evaluate start with a quote; headers are 中文 English."""
    assert export.safe_cell("=SUM(A1)") == "'=SUM(A1)"
    assert export.safe_cell("+86 138") == "'+86 138"
    assert export.safe_cell("路灯") == "路灯"
    assert export.HEADER[0] == "编号 Number"
    assert export.csv_lines([["a,b", '"q"']]) == '"a,b","""q"""\r\n'


def test_export_row_uses_chinese_labels_and_local_time():
    """Statuses, kinds and channels are written in Chinese; times in China's time zone."""
    record = {key: None for key, *_ in export.COLUMNS}
    record.update(
        number="M2026-000001",
        registered_at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC),
        channel="phone",
        status="in_progress",
        kind="minor",
        title="=cmd",
    )
    row = dict(zip(export.HEADER, export.format_row(record), strict=True))
    assert row["登记时间 Registered at"] == "2026-03-02 00:30"
    assert (row["渠道 Channel"], row["状态 Status"], row["类型 Kind"]) == ("电话", "办理中", "小事")
    assert row["标题 Title"] == "'=cmd" and row["责任方 Responsible party"] == ""

"""The typed rows of the matters and councils contexts name exactly their tables' columns.

A row is built from a Piccolo dict by keyword (``XRow(**row)``) and from a record of
``SELECT <columns_of(XRow)>`` by position, so a column added to a table without its row
(or a field without its column) must fail here, not on the first request that reads it.
"""

from __future__ import annotations

import pytest

from services.councils import queries as council_rows
from services.councils import tables as council_tables
from services.matters import rows
from services.matters import tables as matter_tables
from services.matters.queries import MATTER_COLUMNS

PAIRS = [
    (rows.MatterRow, matter_tables.Matter),
    (rows.SheetRow, matter_tables.ClassificationSheet),
    (rows.TransitionRow, matter_tables.MatterTransition),
    (rows.ReferralRow, matter_tables.Referral),
    (rows.NegotiationRow, matter_tables.Negotiation),
    (rows.CommitmentRow, matter_tables.Commitment),
    (rows.FeedbackRow, matter_tables.Feedback),
    (rows.CategoryRow, matter_tables.Category),
    (rows.RuleRow, matter_tables.SuggestionRuleRow),
    (council_rows.MemberRow, council_tables.CouncilMember),
    (council_rows.SessionRow, council_tables.CouncilSession),
    (council_rows.AgendaItemRow, council_tables.AgendaItem),
    (council_rows.CouncilVoteRow, council_tables.VoteRow),
]


@pytest.mark.parametrize(("row", "table"), PAIRS, ids=[r.__name__ for r, _ in PAIRS])
def test_a_row_has_its_tables_columns_in_order(row, table):
    """Every column of the table, no other field, in the table's order."""
    columns = tuple(c._meta.db_column_name for c in table.all_columns())
    assert row.__struct_fields__ == columns


def test_matter_columns_build_a_matter_row_positionally():
    """The raw-SQL column list of matters is MatterRow's fields, in order."""
    assert tuple(MATTER_COLUMNS.split(", ")) == rows.MatterRow.__struct_fields__


def test_rows_are_typed_not_mappings():
    """A row is read by attribute: no dict-style access hides a misspelt column."""
    row = rows.CategoryRow(
        code="street_lighting", name_zh="路灯", name_en="Lights", active=True, sort=1
    )
    assert row.code == "street_lighting"
    with pytest.raises(TypeError):
        row["code"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        row.nope  # type: ignore[attr-defined]  # noqa: B018

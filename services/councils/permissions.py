"""Operations of the councils context (rows of the permission matrix)."""

from services.auth.model import Role
from services.auth.permissions import op

MANAGE_COUNCIL = op(
    "manage_council", {Role.COMMUNITY_CADRE}, "elections, sessions, attendance, agenda, rules"
)
CAST_VOTE = op("cast_vote", {Role.COUNCIL_MEMBER}, "a council member votes, for their own seat")
DECIDE = op("decide", {Role.COMMUNITY_CADRE}, "close the deliberation of an agenda item")

OPERATIONS = (MANAGE_COUNCIL, CAST_VOTE, DECIDE)

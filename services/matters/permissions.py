"""Operations of the matters context (rows of the permission matrix)."""

from services.auth.model import Role
from services.auth.permissions import op

_C, _G, _M, _R, _A = (
    Role.COMMUNITY_CADRE,
    Role.GRID_WORKER,
    Role.COUNCIL_MEMBER,
    Role.RESIDENT,
    Role.COUNTY_ADMIN,
)

EXPORT_LEDGER = op("export_ledger", {_C, _A}, "export the ledger (台账) as CSV")
REGISTER_REQUEST = op("register_request", {_C, _G, _M, _R}, "register a request (诉求)")
MANAGE_CATEGORIES = op(
    "manage_categories", {_C}, "request categories, suggestion rules, matter settings"
)
RECLASSIFY = op("reclassify", {_C, _G}, "change a matter's kind, escalate it (升格)")
FOLLOW_UP = op("follow_up", {_C, _G}, "start, resolve, close; referrals; negotiations; commitments")
WITHDRAW = op("withdraw", {_C, _G, _R}, "withdraw a request")
GIVE_FEEDBACK = op(
    "give_feedback", {_G, _R}, "rate a resolved matter: the resident, or a grid worker for them"
)

OPERATIONS = (
    EXPORT_LEDGER,
    REGISTER_REQUEST,
    MANAGE_CATEGORIES,
    RECLASSIFY,
    FOLLOW_UP,
    WITHDRAW,
    GIVE_FEEDBACK,
)

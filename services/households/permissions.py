"""Operations of the households context (rows of the permission matrix)."""

from services.auth.model import Role
from services.auth.permissions import op

_C, _G, _M = Role.COMMUNITY_CADRE, Role.GRID_WORKER, Role.COUNCIL_MEMBER

VIEW_CIRCUMSTANCES = op(
    "view_circumstances", {_C, _G, _M}, "see households' sensitive circumstances and notes"
)
VIEW_CONTACTS = op("view_contacts", {_C, _G}, "see residents' phone numbers unmasked")
MANAGE_HOUSEHOLDS = op("manage_households", {_C, _G}, "register and change households, residents")
MANAGE_STAFF = op("manage_staff", {_C}, "register and change community staff")

OPERATIONS = (VIEW_CIRCUMSTANCES, VIEW_CONTACTS, MANAGE_HOUSEHOLDS, MANAGE_STAFF)

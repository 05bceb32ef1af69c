"""The volunteers context's root types: every capability's mutations, merged in one place."""

from __future__ import annotations

from strawberry.tools import merge_types

from services.volunteers.api.certificates import CertificateMutation
from services.volunteers.api.referrals import VolunteerReferralMutation
from services.volunteers.api.services import VolunteerServiceMutation
from services.volunteers.api.visits import VisitMutation
from services.volunteers.api.volunteers import VolunteerMutation

VolunteersMutation = merge_types("VolunteersMutation", (VolunteerMutation,))
# Recurring services (服务项目): create, end, enrol households
VolunteersMutation = merge_types(
    "VolunteersMutation", (VolunteersMutation, VolunteerServiceMutation)
)
# Referrals that become help (转介 → 服务)
VolunteersMutation = merge_types(
    "VolunteersMutation", (VolunteersMutation, VolunteerReferralMutation)
)
# Visits and tasks: assign, report, confirm
VolunteersMutation = merge_types("VolunteersMutation", (VolunteersMutation, VisitMutation))
# Service certificates (志愿服务记录证明)
VolunteersMutation = merge_types("VolunteersMutation", (VolunteersMutation, CertificateMutation))

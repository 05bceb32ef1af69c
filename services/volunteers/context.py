"""What the volunteers context adds: volunteer teams (义工队) — groups of kind volunteer team —
with their volunteers (consent, skills, availability), recurring services (服务项目) and the
job that plans their visits of the coming 60 days, one message per community."""

from services.kernel.registration import Context, FieldsOn, Job
from services.volunteers.permissions import OPERATIONS

CONTEXT = Context(
    name="volunteers",
    summary="volunteer teams (义工队): volunteers, recurring services, visits, hours",
    mutation="services.volunteers.api.root:VolunteersMutation",
    fields=(
        FieldsOn(
            "services.groups.api.core:GroupType",
            "services.volunteers.api.volunteers:GroupVolunteers",
        ),
        FieldsOn(
            "services.groups.api.core:GroupType",
            "services.volunteers.api.services:GroupVolunteerServices",
        ),
        FieldsOn(
            "services.communities.api:CommunityType",
            "services.volunteers.api.volunteers:CommunityVolunteering",
        ),
        FieldsOn(
            "services.matters.api:MatterType",
            "services.volunteers.api.referrals:MatterVolunteerHelp",
        ),
        FieldsOn(
            "services.communities.api:CommunityType",
            "services.volunteers.api.visits:CommunityVisits",
        ),
        FieldsOn(
            "services.households.api:HouseholdType",
            "services.volunteers.api.visits:HouseholdVisits",
        ),
        FieldsOn(
            "services.communities.api:CommunityType",
            "services.volunteers.api.certificates:CommunityVolunteerRecords",
        ),
    ),
    operations=OPERATIONS,
    # The certificate's printable page (志愿服务记录证明), beside /graphql.
    routes=("services.volunteers.http:volunteer_certificate_page",),
    actors=("services.volunteers.actors", "services.volunteers.missed"),
    # Hourly: each run plans only what is missing (idempotent), so the 60 days ahead stay
    # full within the hour a day rolls over, after a failover, or a lost message.
    jobs=(Job("volunteers.plan_visits", "services.volunteers.jobs:plan_visits_job", 3600.0),),
)

"""What the meetings context adds: joint meetings (联席会议), and the overdue job (督办)."""

from services.kernel.registration import Context, FieldsOn, Job

CONTEXT = Context(
    name="meetings",
    summary="joint meetings (联席会议), deadlines and supervision (督办): the overdue job",
    query="services.meetings.api:MeetingQuery",
    mutation="services.meetings.api:MeetingMutation",
    fields=(
        FieldsOn(
            "services.communities.api:CommunityType",
            "services.meetings.api:CommunityJointMeetings",
        ),
    ),
    jobs=(Job("routing.mark_overdue", "services.meetings.jobs:mark_overdue_job"),),
)

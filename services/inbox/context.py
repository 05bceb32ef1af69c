"""What the inbox context adds: the department inbox (部门工单) and a department's acts."""

from services.kernel.registration import Context

CONTEXT = Context(
    name="inbox",
    summary="the department inbox: routed tickets across the county, and a department's acts",
    query="services.inbox.api:InboxQuery",
    mutation="services.inbox.api:InboxMutation",
)

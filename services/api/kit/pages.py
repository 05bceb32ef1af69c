"""Where a page of a list ends: the one PageInfo type of new connections.

(The ledger's MatterPageInfo and the inbox's TicketPageInfo predate it and keep their
published names.)
"""

from __future__ import annotations

import strawberry


@strawberry.type(name="PageInfo", description="分页信息 / Where this page ends")
class PageInfoType:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(
        description="作为下一页的 after 参数 / Pass as `after` for the next page"
    )

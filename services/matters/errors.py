"""Expected failures of the matters context that are not pure-rule failures."""

from __future__ import annotations

from services.errors import NotFound


class MatterNotFound(NotFound):
    """No such matter in this community — or not one the caller may see (same answer)."""

    code = "MATTER_NOT_FOUND"
    zh = "事项不存在"
    en = "Matter not found"

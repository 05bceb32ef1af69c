"""The volunteers context's HTTP route beside /graphql: a certificate's printable page."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from services.auth.tokens import authenticate
from services.errors import Forbidden, NotFound, SanshiError, Unauthenticated
from services.volunteers.certificates import get_certificate
from services.volunteers.certificates import render_html as render_certificate


@get("/communities/{slug:str}/volunteer-certificates/{number:str}")
async def volunteer_certificate_page(request: Request, slug: str, number: str) -> Response[Any]:
    """A volunteer's service certificate (志愿服务记录证明) as a printable HTML page, same
    bearer auth as /graphql: 401 without a (valid) token, 404 for a certificate the caller
    may not see (as for a missing one), else the page (no resource from anywhere else)."""
    principal = authenticate(
        request.app.state.runtime.settings, request.headers.get("authorization")
    )
    if principal is None:
        raise Unauthenticated()
    try:
        found = await get_certificate(principal, slug, number)
    except SanshiError as err:
        status = 404 if isinstance(err, NotFound) else 403 if isinstance(err, Forbidden) else 400
        payload = {"code": err.code, "message": err.message_zh, "messageEn": err.message_en}
        return Response({"errors": [payload]}, status_code=status)
    return Response(
        render_certificate(found),
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
    )

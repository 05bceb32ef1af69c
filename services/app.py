"""The Litestar application: GraphQL at /graphql, health probes, request ids, bearer auth.

``create_app`` does no I/O; servers, pools and migrations start in the lifespan, so
``uvicorn --factory services.app:create_app`` and tests can build apps freely.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import msgspec
from litestar import Litestar, Request, Response, get
from litestar.background_tasks import BackgroundTasks
from litestar.di import Provide
from litestar.enums import MediaType, ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.response import Stream
from litestar.types import ASGIApp, Dependencies, Message, Receive, Scope, Send
from redis.asyncio import Redis
from strawberry.litestar import make_graphql_controller

from services.api.kit.loaders import Loaders
from services.api.kit.request import SanshiContext
from services.api.schema import build_schema
from services.auth.tokens import authenticate
from services.cache import readset
from services.cache.store import CACHE_HEADER, ResponseCache, request_key
from services.contexts import route_refs
from services.errors import Forbidden, NotFound, SanshiError, Unauthenticated
from services.kernel.registration import resolve
from services.matters.export import filter_from_query, open_ledger_export
from services.runtime import embedded
from services.runtime.bootstrap import platform_ready, with_embedded_database
from services.settings import Settings, get_settings
from tenants.tx import platform_tx

logger = logging.getLogger("sanshi.app")

REQUEST_ID_HEADER = b"x-request-id"
# A client-supplied id is echoed into logs and headers: accept only short, plain tokens
# (no newlines or spaces that could forge log lines), otherwise make our own.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
READY_TIMEOUT_S = 2.0


def request_id_of(scope: Scope) -> str:
    return scope["state"].get("request_id", "-")


class RequestIdMiddleware(ASGIMiddleware):
    """Give every request an id (the caller's X-Request-ID if sane) and echo it back."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        given = ""
        for name, value in scope.get("headers", []):
            if name.lower() == REQUEST_ID_HEADER:
                given = value.decode("latin-1")
                break
        request_id = given if _REQUEST_ID_RE.fullmatch(given) else secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                message["headers"] = headers
            await send(message)

        await next_app(scope, receive, send_with_id)


def unauthenticated_response(request: Request, exc: Unauthenticated) -> Response[Any]:
    """401 in GraphQL-over-HTTP shape; nothing was executed."""
    logger.info("request_id=%s rejected token: %s", request_id_of(request.scope), exc.code)
    return Response(
        {
            "errors": [
                {
                    "message": exc.message_zh,
                    "extensions": {"code": exc.code, "messageEn": exc.message_en},
                }
            ]
        },
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        media_type="application/json",
    )


@dataclass
class Runtime:
    """What the lifespan started: the effective settings and the Redis client."""

    settings: Settings
    redis: Redis
    # The GraphQL response cache (None when SANSHI_RESPONSE_CACHE_MB=0).
    response_cache: ResponseCache | None = None


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, str]:
    """The process is up (no dependency is checked: that is /readyz)."""
    return {"status": "ok"}


async def _check_database() -> None:
    async with platform_tx() as tx:
        await tx.connection.fetchval("SELECT 1")


@get("/readyz")
async def readyz(request: Request) -> Response[dict[str, Any]]:
    """200 when the database and Redis both answer, else 503 naming what failed."""
    runtime = _runtime(request)
    checks: dict[str, str] = {}
    for name, probe in (("database", _check_database), ("redis", runtime.redis.ping)):
        try:
            await asyncio.wait_for(probe(), READY_TIMEOUT_S)
            checks[name] = "ok"
        except Exception as exc:  # any failure at all means "not ready"
            logger.warning("readyz: %s unavailable: %r", name, exc)
            checks[name] = "unavailable"
    ok = all(v == "ok" for v in checks.values())
    return Response(
        {"status": "ok" if ok else "unavailable", "checks": checks},
        status_code=200 if ok else 503,
    )


@get("/communities/{slug:str}/ledger.csv")
async def ledger_csv(request: Request, slug: str) -> Response[Any] | Stream:
    """The filtered ledger as CSV (台账导出), same bearer auth as /graphql.

    401 without a (valid) token, 404 for a community not visible (as for a missing one),
    403 for a role without EXPORT_LEDGER, 400 for a bad filter; then a streamed
    UTF-8 CSV with a BOM. Filters: see services.matters.export.filter_from_query.
    """
    principal = authenticate(_runtime(request).settings, request.headers.get("authorization"))
    if principal is None:
        raise Unauthenticated()
    try:
        filt = filter_from_query(lambda name: request.query_params.getall(name, []))
        body = await open_ledger_export(principal, slug, filt)
    except SanshiError as err:
        status = 404 if isinstance(err, NotFound) else 403 if isinstance(err, Forbidden) else 400
        payload = {"code": err.code, "message": err.message_zh, "messageEn": err.message_en}
        return Response({"errors": [payload]}, status_code=status)
    return Stream(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{slug}-ledger.csv"'},
    )


def _sub_response() -> Response[Any]:
    """The response Strawberry lets resolvers add headers to (as its own getter builds it)."""
    return Response({}, background=BackgroundTasks([]))


def _configure_logging() -> None:
    """Send our loggers to stderr once (uvicorn only configures its own)."""
    root = logging.getLogger("sanshi")
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the ASGI app (no I/O here; see the lifespan)."""
    configured = settings or get_settings()
    _configure_logging()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            effective = configured
            if not effective.database_url:
                # with_embedded_database runs its own event loop: keep it off ours.
                effective = await asyncio.to_thread(with_embedded_database, effective)
            if not effective.redis_url:
                server = await asyncio.to_thread(
                    embedded.start_redis, Path(effective.data_dir) / "redis"
                )
                stack.callback(server.stop)
                effective = effective.with_overrides(redis_url=server.url)
            await stack.enter_async_context(platform_ready(effective))
            redis = Redis.from_url(effective.redis_url or "", socket_timeout=READY_TIMEOUT_S)
            stack.push_async_callback(redis.aclose)
            cache_bytes = effective.response_cache_mb * 1024 * 1024
            app.state.runtime = Runtime(
                settings=effective,
                redis=redis,
                response_cache=ResponseCache(cache_bytes) if cache_bytes else None,
            )
            # What start-up built (the schema, the app, the pools' state) lives as long as
            # the process: moved out of the garbage collector's generations, so a full
            # collection does not walk it again on every request's time (gc.freeze).
            gc.collect()
            gc.freeze()
            logger.info("ready: database and Redis connected, platform schema migrated")
            yield

    async def graphql_context(request: Request) -> SanshiContext:
        runtime = _runtime(request)
        principal = authenticate(runtime.settings, request.headers.get("authorization"))
        return SanshiContext(
            settings=runtime.settings,
            request_id=request_id_of(request.scope),
            principal=principal,
            loaders=Loaders(),
        )

    strawberry_controller = make_graphql_controller(
        build_schema(configured),
        path="/graphql",
        graphql_ide="graphiql" if configured.graphiql else None,
        context_getter=graphql_context,
    )

    class GraphQLController(strawberry_controller):  # type: ignore[misc,valid-type]
        # Strawberry provides its per-request sub-response with sync_to_thread=True: a
        # thread-pool hop (and a wake-up of the event loop) per request to build an empty
        # Response. Built inline instead (Strawberry's Provide holds its getter already
        # wrapped for the thread, so it cannot be reused as it is).
        dependencies: ClassVar[Dependencies] = {
            **strawberry_controller.dependencies,
            "response": Provide(_sub_response, sync_to_thread=False),
        }

        def encode_json(self, data: object) -> bytes:
            # msgspec (Litestar's own encoder) instead of Strawberry's json.dumps: several
            # times faster on a ledger page, and UTF-8 instead of \uXXXX escapes for
            # Chinese text (about half the bytes). The same JSON value either way.
            if isinstance(data, dict) and data.get("errors"):
                readset.refuse("errors")  # an answer with errors is never kept
            return msgspec.json.encode(data)

        async def execute_request(
            self, request: Request[Any, Any, Any], context: Any, root_value: Any
        ) -> Response[Any]:
            # The response cache (services/cache/): a plain JSON POST
            # whose answer is stored and whose schemas are unchanged is answered from
            # it; otherwise the request runs with its reads recorded, and a query's
            # answer is kept.
            cache = _runtime(request).response_cache
            if (
                cache is None
                or request.method != "POST"
                or request.content_type[0] != "application/json"
            ):
                return await super().execute_request(request, context, root_value)
            key = request_key(context.principal, await request.body())
            if key is None:
                return await super().execute_request(request, context, root_value)
            try:
                # stored and still current, or built right now by a request just like it
                body = await cache.lookup(key) or await cache.join(key)
            except Exception as exc:  # e.g. the database is down: answer as if uncached
                logger.warning("response cache lookup failed: %r", exc)
                body = None
            if body is not None:
                return Response(body, media_type=MediaType.JSON, headers={CACHE_HEADER: "hit"})
            rs = readset.ReadSet()
            async with cache.building(key):
                with readset.recording(rs):
                    response = await super().execute_request(request, context, root_value)
                stored = (
                    response.status_code == 200
                    and isinstance(response.content, bytes)
                    and cache.store(key, rs, response.content)
                )
            response.headers[CACHE_HEADER] = "store" if stored else "miss"
            return response

    return Litestar(
        route_handlers=[
            GraphQLController,
            healthz,
            readyz,
            ledger_csv,
            *(resolve(ref) for ref in route_refs()),
        ],
        middleware=[RequestIdMiddleware()],
        exception_handlers={Unauthenticated: unauthenticated_response},
        lifespan=[lifespan],
        debug=False,
    )

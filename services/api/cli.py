"""CLI commands of the GraphQL service: export the subgraph SDL, serve the API."""

from __future__ import annotations

import click

from services.settings import get_settings


@click.command("export-schema")
def export_schema() -> None:
    """打印子图 SDL / Print the subgraph SDL (what graphql/schema.graphql holds)."""
    from services.api.schema import sdl

    click.echo(sdl(), nl=False)


@click.command("serve")
@click.option("--host", default=None, help="监听地址 / Bind address (default: SANSHI_HOST)")
@click.option("--port", type=int, default=None, help="端口 / Port (default: SANSHI_PORT)")
@click.option("--reload", is_flag=True, help="代码变更时重启（开发用）/ Restart on code changes")
def serve(host: str | None, port: int | None, reload: bool) -> None:
    """启动 GraphQL API / Serve the GraphQL API with uvicorn."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "services.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        # Our own lines carry request ids; uvicorn's access log would only repeat paths.
        access_log=False,
        proxy_headers=True,
    )


COMMANDS = [export_schema, serve]

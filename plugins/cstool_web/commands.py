"""``cstool serve``: option parsing only; the app is built in app.py, served by server.py.

Imported at every start of cstool, so only Typer at module level.
"""

# Annotations stay objects (no `from __future__ import annotations`): Typer reads these
# signatures on every start, and would compile string annotations one by one (~3 ms).

from typing import Annotated

import typer

DEFAULT_PORT = 8765


def serve_command(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", help="监听地址（默认只本机可访问；其他地址必须同时给 --token）")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="端口")] = DEFAULT_PORT,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="CSTOOL_WEB_TOKEN",
            help="访问令牌：每个请求都要带上（登录页输入一次即可）",
            show_default=False,
        ),
    ] = None,
    unmasked_token: Annotated[
        str | None,
        typer.Option(
            "--unmasked-token",
            envvar="CSTOOL_WEB_UNMASKED_TOKEN",
            help="主管令牌：在页面上输入后才显示完整手机号、地址和姓名（默认一律打码）",
            show_default=False,
        ),
    ] = None,
    open_browser: Annotated[bool, typer.Option("--open", help="启动后在浏览器里打开")] = False,
) -> None:
    """启动网页工作台：接待搜索、记录、报价、待办、主管报表、活动检查（浏览器打开打印出的地址）。"""
    from cstool.context import get_state

    from .server import serve

    code = serve(
        get_state(ctx),
        host=host,
        port=port,
        token=token or None,
        unmasked_token=unmasked_token or None,
        open_browser=open_browser,
    )
    raise typer.Exit(code)

"""Running the workbench: check the options, bind the port, serve until SIGTERM or Ctrl-C."""

from __future__ import annotations

import errno
import signal
import socket
import sys
from typing import Any

from cstool.errors import BadInput

from .security import is_loopback


class _Stopped(Exception):
    """SIGTERM arrived (after uvicorn's graceful shutdown, or before it started)."""


def _stop(signum: int, frame: Any) -> None:
    raise _Stopped


def check_options(host: str, token: str | None) -> None:
    if not is_loopback(host) and not token:
        raise BadInput(
            f"监听 {host} 会让其他电脑也能打开工作台，必须同时给访问令牌：--token 一段不容易猜的字符"
            "（或者去掉 --host，只在本机使用）"
        )


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, or a clear Chinese message when the port is taken."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise BadInput(f"无法识别的监听地址：{host}") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise BadInput(
                f"端口 {port} 已被占用（可能已经开着一个 cstool serve）：换一个端口，如 --port {port + 1}"
            ) from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise BadInput(f"没有权限使用端口 {port}：请用 1024 以上的端口") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise BadInput(f"这台电脑没有地址 {host}") from None
        raise
    if family in (socket.AF_INET, socket.AF_INET6):
        # Accepted connections inherit this: without it a keep-alive response waits ~40 ms for
        # the client's delayed ACK (Nagle), the whole budget of a keystroke.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(
    state: Any,
    *,
    host: str,
    port: int,
    token: str | None,
    unmasked_token: str | None,
    open_browser: bool = False,
) -> int:
    check_options(host, token)
    sock = bind(host, port)
    import uvicorn

    from cstool.gcpace import pace_for_long_run

    from .app import build_app

    app = build_app(state, token=token, unmasked_token=unmasked_token)
    pace_for_long_run()  # the server stays up for a whole shift
    port = sock.getsockname()[1]
    url = url_for(host, port)
    app.state.bench.start()
    print(url, flush=True)
    print(
        f"cstool 工作台已启动：{url}（知识库：{state.kb.root}；按 Ctrl-C 停止）", file=sys.stderr, flush=True
    )
    if token:
        print("已开启访问令牌：打开页面后输入启动时给的令牌。", file=sys.stderr, flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False)
    server = uvicorn.Server(config)
    # uvicorn stops gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler that was
    # there before: ours turns it into a clean exit (0) instead of a death by signal.
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
    print("cstool 工作台已停止。", file=sys.stderr, flush=True)
    return 0

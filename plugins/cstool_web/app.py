"""The workbench as an ASGI app: pages from every plugin, one layout, one gate.

``build_app(state, ...)`` collects what the feature plugins register through
``cstool_web_routes`` and wraps every handler in the same gate: access
token, CSRF on state-changing requests, security headers, error pages.
Handlers are plain functions run in a worker thread (the domain code they
call is synchronous: SQLite, PostgreSQL, the search index).
"""

from __future__ import annotations

import inspect
import json
import mimetypes
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from cstool.errors import BadInput, CstoolError
from cstool.output import to_json

from .security import AUTH_COOKIE, CSRF_COOKIE, CSRF_FIELD, HEADERS, UNMASK_COOKIE, Guard

HERE = Path(__file__).resolve().parent
NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")
MAX_BODY = 1_000_000  # bytes; a form or a cart is far smaller


@dataclass
class Contribution:
    """What one plugin registered: its routes, templates, static files and nav entries."""

    name: str
    routes: list[tuple[str, Callable[[Any], Any], tuple[str, ...]]] = field(default_factory=list)
    templates: Path | None = None
    static: Path | None = None
    nav: list[tuple[str, str, int]] = field(default_factory=list)
    startup: Callable[[Any, dict[str, Any]], None] | None = None


def collect(pm: Any) -> list[Contribution]:
    """Every plugin's contribution, validated; a broken plugin is reported and skipped."""
    from cstool.plugins import call_each

    found: list[Contribution] = []

    def register(
        name: str,
        routes: Iterable[tuple[Any, ...]] = (),
        templates: str | Path | None = None,
        static: str | Path | None = None,
        nav: Iterable[tuple[Any, ...]] = (),
        startup: Callable[[Any, dict[str, Any]], None] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name or set(name) - NAME_CHARS or name == "web":
            raise ValueError(f"web contribution name must be lowercase letters/digits, got {name!r}")
        if any(c.name == name for c in found):
            raise ValueError(f"web contribution {name!r} registered twice")
        item = Contribution(name, startup=startup)
        for route in routes:
            path, handler, *rest = route
            methods = tuple(m.upper() for m in (rest[0] if rest else ("GET",)))
            if not isinstance(path, str) or not path.startswith("/") or not callable(handler):
                raise ValueError(f"bad route {route!r} from {name!r}")
            item.routes.append((path, handler, methods))
        for folder, attr in ((templates, "templates"), (static, "static")):
            if folder is not None:
                if not Path(folder).is_dir():
                    raise ValueError(f"{attr} folder of {name!r} does not exist: {folder}")
                setattr(item, attr, Path(folder))
        for entry in nav:
            path, label, *order = entry
            item.nav.append((str(path), str(label), int(order[0]) if order else 100))
        found.append(item)

    call_each(pm, "cstool_web_routes", register=register)
    return found


class Workbench:
    """Server-wide state: the run's AppState, the gate, the templates, plugin resources."""

    def __init__(self, state: Any, guard: Guard, contributions: list[Contribution]):
        self.state = state
        self.guard = guard
        self.contributions = {c.name: c for c in contributions}
        self.shared: dict[str, Any] = {}
        self.nav = sorted((e for c in contributions for e in c.nav), key=lambda e: (e[2], e[0]))
        prefixes = {c.name: FileSystemLoader(str(c.templates)) for c in contributions if c.templates}
        prefixes["web"] = FileSystemLoader(str(HERE / "templates" / "web"))
        self.env = Environment(loader=ChoiceLoader([PrefixLoader(prefixes)]), autoescape=True)
        self.env.globals["static"] = lambda name, path: f"/static/{quote(name)}/{quote(path)}"
        self.env.filters["money"] = _money
        self.env.filters["tojson_attr"] = lambda data: to_json(data)
        self.static = {c.name: c.static for c in contributions if c.static}
        self.static["web"] = HERE / "static"

    def start(self) -> None:
        """Run every plugin's ``startup(state, shared)`` (e.g. open the search index) before serving."""
        for item in self.contributions.values():
            if item.startup is not None:
                item.startup(self.state, self.shared)

    def template_vars(self, web: WebRequest) -> dict[str, Any]:
        kb = self.state.kb
        return {
            "nav": self.nav,
            "path": web.path,
            "csrf_token": web.csrf,
            "unmasked": web.unmasked,
            "can_unmask": self.guard.unmasked_token is not None,
            "needs_login": self.guard.token is not None,
            "kb_root": str(kb.root),
            "kb_bundled": kb.is_bundled,
        }


def _money(value: Any) -> str:
    from decimal import Decimal

    from cstool.money import fmt

    if isinstance(value, Decimal):
        return fmt(value)
    return "" if value is None else str(value)


class WebRequest:
    """What a plugin's handler sees of a request (see the ``cstool_web_routes`` hook)."""

    def __init__(self, bench: Workbench, request: Request, data: dict[str, Any], csrf: str):
        self._bench = bench
        self.method = request.method
        self.path = request.url.path
        self.query: dict[str, str] = dict(request.query_params)
        self.query_lists = {k: request.query_params.getlist(k) for k in request.query_params}
        self.path_params: dict[str, Any] = dict(request.path_params)
        self.data = data
        self.csrf = csrf
        self.state = bench.state
        self.shared = bench.shared
        self.unmasked = bench.guard.unmasked(request.headers, request.cookies)

    @property
    def kb(self) -> Any:
        return self.state.kb

    def shown(self, data: Any) -> Any:
        """``data`` masked (phones, addresses, names) unless a supervisor unlocked this browser."""
        from cstool.masking import mask_data

        return data if self.unmasked else mask_data(data)

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        page = self._bench.env.get_template(template)
        html = page.render(**self._bench.template_vars(self), **values)
        return HTMLResponse(html, status_code=status)

    def json(self, data: Any, status: int = 200) -> Response:
        return Response(to_json(data), status_code=status, media_type="application/json")

    def download(self, content: bytes | str, filename: str, media_type: str) -> Response:
        body = content.encode("utf-8") if isinstance(content, str) else content
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        return Response(body, media_type=media_type, headers={"content-disposition": disposition})

    def redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303)


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or request.method != "GET" or "application/json" in accept


async def read_data(request: Request) -> dict[str, Any]:
    if request.method in ("GET", "HEAD"):
        return {}
    body = await request.body()
    if len(body) > MAX_BODY:
        raise BadInput("请求内容太大")
    if not body:
        return {}
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    text = body.decode("utf-8", errors="replace")
    if kind == "application/json":
        try:
            data = json.loads(text)
        except ValueError:
            raise BadInput("请求内容不是有效的 JSON") from None
        if not isinstance(data, dict):
            raise BadInput("请求内容应为 JSON 对象")
        return data
    parsed = parse_qs(text, keep_blank_values=True)
    return {key: values[-1] if len(values) == 1 else values for key, values in parsed.items()}


def finish(response: Response, request: Request, csrf: str) -> Response:
    for key, value in HEADERS.items():
        response.headers.setdefault(key, value)
    if request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict")
    return response


def to_response(web: WebRequest, result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, dict | list):
        return web.json(result)
    if isinstance(result, str):
        return HTMLResponse(result)
    raise TypeError(f"handler returned {type(result).__name__}")


def error_response(bench: Workbench, request: Request, csrf: str, status: int, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    page = bench.env.get_template("web/error.html")
    web = WebRequest(bench, request, {}, csrf)
    html = page.render(**bench.template_vars(web), code=status, message=message)
    return HTMLResponse(html, status_code=status)


def login_response(bench: Workbench, request: Request, csrf: str, message: str = "") -> Response:
    if request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", ""):
        return JSONResponse(
            {"error": "需要访问令牌"}, status_code=401, headers={"www-authenticate": "Bearer"}
        )
    page = bench.env.get_template("web/login.html")
    web = WebRequest(bench, request, {}, csrf)
    nxt = request.url.path if request.url.path not in ("/login", "/logout") else "/"
    html = page.render(**bench.template_vars(web), message=message, next=nxt)
    return HTMLResponse(html, status_code=401, headers={"www-authenticate": "Bearer"})


def gate(
    bench: Workbench, handler: Callable[[WebRequest], Any], *, public: bool = False
) -> Callable[..., Any]:
    """Wrap a handler: token, CSRF, body parsing, worker thread, errors, headers."""
    guard = bench.guard

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        csrf = request.cookies.get(CSRF_COOKIE) or guard.new_csrf()
        if not guard.host_ok(request.headers.get("host", "")):
            message = "这个工作台只接受本机地址（127.0.0.1 或 localhost）的访问"
            return finish(JSONResponse({"error": message}, status_code=403), request, csrf)
        if not public and not guard.allowed(request.headers, request.cookies):
            return finish(login_response(bench, request, csrf), request, csrf)
        try:
            data = await read_data(request)
            if not guard.csrf_ok(request.method, request.headers, request.cookies, _field(data)):
                message = "安全校验失败（CSRF）：请刷新页面后再试"
                return finish(error_response(bench, request, csrf, 403, message), request, csrf)
            web = WebRequest(bench, request, data, csrf)
            if inspect.iscoroutinefunction(handler):
                result = await handler(web)  # it hands its work to its own thread (see quickphrase)
            else:
                result = await run_in_threadpool(handler, web)
            response = to_response(web, result)
        except BadInput as exc:
            response = error_response(bench, request, csrf, 400, str(exc))
        except CstoolError as exc:
            response = error_response(bench, request, csrf, 500, str(exc))
        except Exception as exc:  # a bug: the page says so, the server log keeps the traceback
            traceback.print_exception(exc, file=sys.stderr)
            response = error_response(bench, request, csrf, 500, f"服务器内部出错：{type(exc).__name__}")
        response.headers["server-timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        return finish(response, request, csrf)

    return endpoint


def _field(data: dict[str, Any]) -> str | None:
    value = data.get(CSRF_FIELD)
    return value if isinstance(value, str) else None


# ---------------------------------------------------------------- the web plugin's own routes


def healthz(web: WebRequest) -> Response:
    return Response("ok", media_type="text/plain")


def login_page(web: WebRequest) -> Response:
    return web.render("web/login.html", message="", next=web.query.get("next", "/"))


def make_login(bench: Workbench) -> Callable[[WebRequest], Response]:
    def login(web: WebRequest) -> Response:
        value = bench.guard.login(str(web.data.get("token", "")))
        nxt = _local(str(web.data.get("next", "/")))
        if value is None:
            return web.render("web/login.html", status=401, message="令牌不对，请再试一次", next=nxt)
        response = web.redirect(nxt)
        response.set_cookie(AUTH_COOKIE, value, httponly=True, samesite="strict")
        return response

    return login


def logout(web: WebRequest) -> Response:
    response = web.redirect("/login")
    response.delete_cookie(AUTH_COOKIE)
    response.delete_cookie(UNMASK_COOKIE)
    return response


def make_supervisor(bench: Workbench) -> Callable[[WebRequest], Response]:
    def supervisor(web: WebRequest) -> Response:
        if web.method == "GET":
            return web.render("web/supervisor.html", message="")
        if web.data.get("action") == "off":
            response = web.redirect("/supervisor")
            response.delete_cookie(UNMASK_COOKIE)
            return response
        if bench.guard.unmasked_token is None:
            return web.render(
                "web/supervisor.html", status=400, message="服务器启动时没有给 --unmasked-token，页面一律打码"
            )
        value = bench.guard.unmask(str(web.data.get("token", "")))
        if value is None:
            return web.render("web/supervisor.html", status=401, message="主管令牌不对")
        response = web.redirect(_local(str(web.data.get("next", "/"))))
        response.set_cookie(UNMASK_COOKIE, value, httponly=True, samesite="strict")
        return response

    return supervisor


def _local(url: str) -> str:
    """Only redirect within this site (no //evil.example)."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/"


def make_static(bench: Workbench) -> Callable[[WebRequest], Response]:
    def static(web: WebRequest) -> Response:
        folder = bench.static.get(str(web.path_params.get("name", "web")))
        rel = str(web.path_params.get("path", ""))
        if folder is None:
            return Response("not found", status_code=404, media_type="text/plain")
        target = (folder / rel).resolve()
        if folder.resolve() not in target.parents or not target.is_file():
            return Response("not found", status_code=404, media_type="text/plain")
        media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if media.startswith("text/") or media in ("application/javascript", "text/javascript"):
            media += "; charset=utf-8"
        return Response(target.read_bytes(), media_type=media, headers={"cache-control": "no-cache"})

    return static


def build_app(state: Any, *, token: str | None = None, unmasked_token: str | None = None) -> Starlette:
    """The workbench app for ``state`` (an AppState); a fresh app on each call."""
    bench = Workbench(state, Guard(token, unmasked_token), collect(state.pm))
    routes = [
        Route("/healthz", gate(bench, healthz), methods=["GET"]),
        Route("/login", gate(bench, login_page, public=True), methods=["GET"]),
        Route("/login", gate(bench, make_login(bench), public=True), methods=["POST"]),
        Route("/logout", gate(bench, logout, public=True), methods=["POST"]),
        Route("/supervisor", gate(bench, make_supervisor(bench)), methods=["GET", "POST"]),
        Route("/static/web/{path:path}", gate(bench, make_static(bench), public=True), methods=["GET"]),
        Route("/static/{name}/{path:path}", gate(bench, make_static(bench)), methods=["GET"]),
    ]
    for item in bench.contributions.values():
        for path, handler, methods in item.routes:
            routes.append(Route(path, gate(bench, handler), methods=list(methods)))
    every = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    routes.append(Route("/{rest:path}", gate(bench, _not_found_404), methods=every))
    app = Starlette(routes=routes)
    app.state.bench = bench
    return app


def _not_found_404(web: WebRequest) -> Response:
    if web.path.startswith("/api/"):
        return web.json({"error": "没有这个接口"}, status=404)
    return web.render("web/error.html", status=404, code=404, message="没有这个页面")

"""cstool serve in-process (Starlette's TestClient): contract, auth, CSRF, escaping, masking, one code path."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from logbook_helpers import BACKENDS, pg_schema_url  # noqa: F401  (fixture)
from web_helpers import NOW, XSS, make_team_kb, running_server

from cstool import hookimpl
from cstool.context import AppState
from cstool.plugins import make_plugin_manager

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def team_kb(tmp_path, monkeypatch):
    """A team KB: three phrases (one with a <script> reply), the bundled logbook lists and campaigns."""
    kb = make_team_kb(tmp_path / "team-kb")
    monkeypatch.setenv("CSTOOL_NOW", NOW)
    monkeypatch.setenv("CSTOOL_AGENT", "小暖")
    monkeypatch.setenv("CSTOOL_KB", str(kb))
    return kb


def make_client(kb: Path, *, token=None, unmasked_token=None, plugins=()) -> TestClient:
    from cstool_web.app import build_app

    from cstool.config import load_user_config

    load_user_config.cache_clear()
    pm = make_plugin_manager(plugins=plugins)
    app = build_app(AppState(pm=pm, kb_option=str(kb)), token=token, unmasked_token=unmasked_token)
    return TestClient(app, base_url="http://127.0.0.1:8765")


def csrf_post(client: TestClient, url: str, body: dict, **kwargs):
    if "cstool_csrf" not in client.cookies:
        client.get("/healthz")
    return client.post(url, json=body, headers={"X-CSRF-Token": client.cookies["cstool_csrf"]}, **kwargs)


@pytest.fixture
def client(team_kb):
    return make_client(team_kb)


# ---------------------------------------------------------------- the hook


def test_hook_cstool_web_routes(team_kb, tmp_path):
    """A plugin contributes a page (with its own template) and an API route; the gate wraps them."""
    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "hello.html").write_text(
        '{% extends "web/base.html" %}{% block main %}<p id="hi">你好，{{ who }}</p>{% endblock %}',
        encoding="utf-8",
    )

    class Hello:
        @hookimpl
        def cstool_web_routes(self, register):
            register(
                "hello",
                routes=[
                    ("/hello", lambda web: web.render("hello/hello.html", who=web.query.get("who", ""))),
                    ("/api/hello", lambda web: {"got": web.data.get("x")}, ["POST"]),
                ],
                templates=templates,
                nav=[("/hello", "问候", 99)],
            )

    client = make_client(team_kb, plugins=[Hello()])
    page = client.get("/hello", params={"who": XSS})
    assert page.status_code == 200
    assert "你好，&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and XSS not in page.text
    assert '<a href="/hello"' in page.text  # in the navigation bar, beside the built-in pages
    assert "content-security-policy" in page.headers
    assert client.post("/api/hello", json={"x": 1}).status_code == 403  # no CSRF token
    assert csrf_post(client, "/api/hello", {"x": 1}).json() == {"got": 1}


def test_a_broken_contribution_is_reported_and_skipped(team_kb, capsys):
    class Broken:
        @hookimpl
        def cstool_web_routes(self, register):
            register("Bad Name!", routes=[])

    client = make_client(team_kb, plugins=[Broken()])
    assert client.get("/healthz").status_code == 200
    assert "加载失败" in capsys.readouterr().err


def test_builtin_pages_all_render(client):
    for path in ("/", "/log", "/quote", "/due", "/report", "/report?kind=week", "/check", "/supervisor"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert "<script>" not in response.text  # only external scripts: CSP forbids inline ones


# ---------------------------------------------------------------- contract


def test_healthz(client):
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"q": "什么时候发货"},
        {"q": "能便宜点吗", "limit": "1"},
        {"q": "fh", "limit": "3"},
        {"q": "发货", "chat": "买家甲"},
        {"q": "没有这种东西zzz"},
    ],
)
def test_api_search_is_cstool_search_json(client, cli, params):
    args = ["search", params["q"], "--json"]
    if "limit" in params:
        args += ["--limit", params["limit"]]
    if "chat" in params:
        args += ["--chat", params["chat"]]
    expected = json.loads(cli(*args).stdout)
    got = client.get("/api/search", params=params)
    assert got.status_code == 200
    assert got.json() == expected
    assert [r["id"] for r in got.json()] == [r["id"] for r in expected]


def test_api_search_bad_limit_is_400_in_chinese(client):
    response = client.get("/api/search", params={"q": "发货", "limit": "abc"})
    assert response.status_code == 400 and "limit" in response.json()["error"]


def test_pick_counts_and_rotates_like_the_cli(client):
    first = client.get("/api/search", params={"q": "什么时候发货", "chat": "买家乙"}).json()[0]
    assert first["id"] == "ship.when" and first["variant"] == 1
    picked = csrf_post(client, "/api/pick", {"q": "什么时候发货", "id": "ship.when", "chat": "买家乙"})
    assert picked.status_code == 200 and picked.json()["reply"] == first["reply"]
    again = client.get("/api/search", params={"q": "什么时候发货", "chat": "买家乙"}).json()[0]
    assert again["variant"] == 2 and again["picks"] == 1  # the same bookkeeping as `search --pick`


def test_non_loopback_host_without_token_refuses(cli):
    result = cli("serve", "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "--token" in result.stderr and "Traceback" not in result.output


def test_port_in_use_is_a_chinese_message(cli):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        result = cli("serve", "--port", str(port))
    finally:
        taken.close()
    assert result.exit_code == 2
    assert f"端口 {port} 已被占用" in result.stderr and "Traceback" not in result.output


def test_serve_prints_url_and_stops_on_sigterm(team_kb):
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "cstool", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:")
    import urllib.request

    with urllib.request.urlopen(url + "healthz", timeout=10) as response:
        assert response.status == 200
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "已停止" in err and "Traceback" not in err


def test_help_does_not_import_the_web_stack():
    code = (
        "import sys\nfrom cstool.cli import run\nrun(['--help'])\n"
        "print('WEB=' + ','.join(sorted(m for m in ('starlette', 'uvicorn', 'jinja2') if m in sys.modules)), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "WEB=" in proc.stderr
    assert proc.stderr.split("WEB=")[1].strip() == ""


# ---------------------------------------------------------------- security


def test_without_a_token_only_loopback_names_are_served(client):
    """A page on another domain pointed at 127.0.0.1 (DNS rebinding) gets nothing."""
    assert (
        client.get("/api/search", params={"q": "发货"}, headers={"host": "evil.example:8765"}).status_code
        == 403
    )
    assert client.get("/healthz", headers={"host": "localhost:8765"}).status_code == 200
    assert client.get("/healthz", headers={"host": "[::1]:8765"}).status_code == 200


def test_token_required_on_every_request(team_kb):
    client = make_client(team_kb, token="s3cret-token")
    assert client.get("/api/search", params={"q": "发货"}).status_code == 401
    page = client.get("/")
    assert page.status_code == 401 and "访问令牌" in page.text
    assert client.get("/healthz").status_code == 401
    assert client.get("/healthz", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/api/search", params={"q": "发货"}, headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and ok.json()[0]["id"] == "ship.when"


def test_login_page_sets_a_cookie_that_does_not_hold_the_token(team_kb):
    client = make_client(team_kb, token="s3cret-token")
    client.get("/login")
    csrf = client.cookies["cstool_csrf"]
    bad = client.post("/login", data={"token": "nope", "csrf_token": csrf}, follow_redirects=False)
    assert bad.status_code == 401 and "令牌不对" in bad.text
    good = client.post("/login", data={"token": "s3cret-token", "csrf_token": csrf}, follow_redirects=False)
    assert good.status_code == 303
    assert "s3cret-token" not in good.headers["set-cookie"]
    assert client.get("/").status_code == 200
    assert client.get("/api/search", params={"q": "发货"}).status_code == 200


def test_login_needs_csrf(team_kb):
    client = make_client(team_kb, token="s3cret-token")
    response = client.post("/login", data={"token": "s3cret-token"}, follow_redirects=False)
    assert response.status_code == 403


def test_state_changing_requests_need_the_csrf_token(client, cli):
    body = {"buyer": "买家丙", "questions": "能便宜点吗", "outcome": "未成交", "reason": "价格"}
    client.get("/log")
    assert client.post("/api/log/inquiry", json=body).status_code == 403
    wrong = client.post("/api/log/inquiry", json=body, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403 and "CSRF" in wrong.json()["error"]
    assert json.loads(cli("log", "list", "--json").stdout) == []  # nothing written
    assert csrf_post(client, "/api/log/inquiry", body).status_code == 200
    assert [e["buyer"] for e in json.loads(cli("log", "list", "--json").stdout)] == ["买家丙"]


def test_bearer_requests_need_no_csrf(team_kb):
    client = make_client(team_kb, token="t0ken-abc")
    body = {"buyer": "买家丁", "questions": "包邮吗", "outcome": "成交"}
    response = client.post("/api/log/inquiry", json=body, headers={"Authorization": "Bearer t0ken-abc"})
    assert response.status_code == 200


def test_everything_from_people_is_escaped(client):
    csrf_post(client, "/api/log/complaint", {"buyer": XSS, "what": XSS + "外包装破损"})
    due = client.get("/due").text
    assert XSS not in due and "&lt;script&gt;alert(1)&lt;/script&gt;" in due
    reception = client.get("/").text
    assert "<b>粗体</b>" not in reception and "&lt;b&gt;粗体&lt;/b&gt;" in reception  # a KB tag
    found = client.get("/api/search", params={"q": "脚本测试回复"}).json()[0]
    assert (
        found["reply"] == "亲，<script>alert(1)</script> 这是原样文字"
    )  # JSON keeps the text; pages set textContent


def test_error_page_escapes_the_path(client):
    response = client.get("/<script>alert(1)</script>")
    assert response.status_code == 404 and XSS not in response.text
    assert response.headers["content-security-policy"]


# ---------------------------------------------------------------- masking


def _complaint(client):
    return csrf_post(
        client,
        "/api/log/complaint",
        {
            "buyer": "王小明",
            "severity": "重大",
            "what": "破损，电话 13812345678，地址 杭州市西湖区文三路 100 号",
        },
    ).json()


def test_pages_are_masked_by_default(client):
    saved = _complaint(client)
    assert "13812345678" not in json.dumps(saved, ensure_ascii=False)
    for text in (
        client.get("/due").text,
        client.get(f"/api/entry/{saved['id']}").text,
        client.get("/report").text,
    ):
        assert "13812345678" not in text and "138****5678" in text


def test_unmasked_only_for_the_supervisor_token(team_kb):
    client = make_client(team_kb, unmasked_token="boss-key")
    saved = _complaint(client)
    assert "13812345678" not in client.get("/due").text
    client.get("/supervisor")
    wrong = client.post("/supervisor", data={"token": "guess", "csrf_token": client.cookies["cstool_csrf"]})
    assert wrong.status_code == 401 and "13812345678" not in client.get("/due").text
    client.post("/supervisor", data={"token": "boss-key", "csrf_token": client.cookies["cstool_csrf"]})
    assert "13812345678" in client.get("/due").text
    assert "13812345678" in client.get(f"/api/entry/{saved['id']}").text
    assert "未打码（主管）" in client.get("/due").text
    client.post("/supervisor", data={"action": "off", "csrf_token": client.cookies["cstool_csrf"]})
    assert "13812345678" not in client.get("/due").text


def test_without_unmasked_token_nothing_unmasks(client):
    _complaint(client)
    client.get("/supervisor")
    client.post("/supervisor", data={"token": "", "csrf_token": client.cookies["cstool_csrf"]})
    assert "13812345678" not in client.get("/due", headers={"X-Unmasked-Token": ""}).text


# ---------------------------------------------------------------- reliability


def test_kb_edit_is_picked_up_without_restart(client, team_kb, monkeypatch):
    import cstool_quickphrase.web as qp_web

    monkeypatch.setattr(qp_web, "CHECK_EVERY", 0.0)
    assert "invoice.ask" not in [r["id"] for r in client.get("/api/search", params={"q": "开发票"}).json()]
    extra = team_kb / "phrases" / "invoice.yaml"
    extra.write_text(
        "topic: 发票\nentries:\n  - id: invoice.ask\n    title: 能开发票吗\n    questions: [能开发票吗]\n"
        "    replies: [亲，可以开电子发票哦~]\n",
        encoding="utf-8",
    )
    assert client.get("/api/search", params={"q": "开发票"}).json()[0]["id"] == "invoice.ask"


def test_broken_kb_file_shows_a_banner_and_keeps_serving(client, team_kb, monkeypatch):
    import cstool_quickphrase.web as qp_web

    monkeypatch.setattr(qp_web, "CHECK_EVERY", 0.0)
    assert client.get("/api/search", params={"q": "什么时候发货"}).json()[0]["id"] == "ship.when"
    (team_kb / "phrases" / "broken.yaml").write_text(
        "entries:\n  - id: x\n    title: [unclosed\n", encoding="utf-8"
    )
    results = client.get("/api/search", params={"q": "什么时候发货"})
    assert results.status_code == 200 and results.json()[0]["id"] == "ship.when"
    page = client.get("/")
    assert page.status_code == 200 and "知识库有错误" in page.text and "broken.yaml" in page.text
    assert 'id="kb-problems" hidden' not in page.text
    assert any("broken.yaml" in p for p in client.get("/api/kb-status").json()["problems"])


# ---------------------------------------------------------------- one code path


def test_logged_inquiry_is_in_log_list(client, cli):
    saved = csrf_post(
        client,
        "/api/log/inquiry",
        {
            "buyer": "tb_小林",
            "questions": "能便宜点吗\n包邮吗",
            "outcome": "未成交",
            "reason": "价格",
            "at": "2026-11-11T09:30",
        },
    )
    assert saved.status_code == 200
    listed = json.loads(cli("log", "list", "--json").stdout)
    assert len(listed) == 1
    entry = listed[0]
    assert entry["id"] == saved.json()["id"]
    assert entry["questions"] == ["能便宜点吗", "包邮吗"] and entry["reason"] == "价格"
    assert entry["agent"] == "小暖" and entry["at"].startswith("2026-11-11T09:30")


@pytest.mark.parametrize(
    ("kind", "body", "field", "words"),
    [
        ("inquiry", {"questions": "包邮吗", "outcome": "成交"}, "buyer", "请填写旺旺名"),
        ("unpaid", {"order": "12", "buyer": "甲", "amount": "10"}, "order", "订单号格式不对"),
        ("unpaid", {"order": "12345678", "buyer": "甲", "amount": "十块"}, "amount", "金额"),
        (
            "inquiry",
            {"buyer": "甲", "questions": "贵", "outcome": "未成交", "reason": "太贵了"},
            "reason",
            "未知的原因",
        ),
    ],
)
def test_validation_names_the_field_in_chinese(client, cli, kind, body, field, words):
    response = csrf_post(client, f"/api/log/{kind}", body)
    assert response.status_code == 400
    assert words in response.json()["fields"][field]
    assert json.loads(cli("log", "list", "--json").stdout) == []


def test_promise_returns_the_remark_to_copy(client, cli):
    saved = csrf_post(
        client, "/api/log/promise", {"order": "3301234570", "buyer": "tb_莉莉", "promise": "送收纳袋一个"}
    )
    body = saved.json()
    assert body["remark"] == "小暖 送收纳袋一个 11.11" and body["flag"] == "红"
    assert json.loads(cli("log", "list", "--json").stdout)[0]["remark"] == body["remark"]


def test_quote_api_is_promo_quote_json(client, cli):
    body = {
        "campaign": "double11",
        "items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}],
        "at": "2026-11-11T10:00",
        "region": "新疆",
        "coupons": ["cp-3"],
    }
    got = csrf_post(client, "/api/quote", body).json()
    expected = json.loads(
        cli(
            "promo",
            "quote",
            "double11",
            "A:2",
            "B:1",
            "--at",
            "2026-11-11 10:00",
            "--region",
            "新疆",
            "--coupons",
            "cp-3",
            "--json",
        ).stdout
    )
    assert got == expected


def test_quote_refuses_a_path_outside_the_kb(client):
    response = csrf_post(client, "/api/quote", {"campaign": "/etc/passwd", "items": [{"sku": "A", "qty": 1}]})
    assert response.status_code == 400 and "找不到活动" in response.json()["error"]


def test_report_api_is_log_report_json(client, cli):
    for body in (
        {"buyer": "甲", "questions": "能便宜点吗", "outcome": "未成交", "reason": "价格"},
        {"buyer": "乙", "questions": "包邮吗", "outcome": "成交"},
    ):
        csrf_post(client, "/api/log/inquiry", body)
    csrf_post(
        client,
        "/api/log/unpaid",
        {"order": "33012345", "buyer": "丙", "amount": "88.50", "outcome": "已付款"},
    )
    for kind, flag in (("day", "--day"), ("week", "--week")):
        got = client.get("/api/report", params={"kind": kind}).json()["report"]
        expected = json.loads(cli("log", "report", flag, "--format", "json").stdout)
        assert got == expected


def test_report_downloads(client):
    csrf_post(client, "/api/log/inquiry", {"buyer": "甲", "questions": "能便宜点吗", "outcome": "成交"})
    csv_file = client.get("/report/download", params={"format": "csv"})
    assert csv_file.status_code == 200 and "询盘转化率" in csv_file.content.decode("utf-8-sig")
    xlsx = client.get("/report/download", params={"format": "xlsx", "kind": "week"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "attachment" in xlsx.headers["content-disposition"]


def test_due_actions_write_history(client, cli):
    saved = csrf_post(
        client,
        "/api/log/unpaid",
        {"order": "33012345", "buyer": "丙", "amount": "88.50", "at": "2026-11-11T08:00"},
    ).json()
    due = client.get("/api/due").json()
    assert [d["id"] for d in due] == [saved["id"]] and due[0]["action"] == "催付"
    reminded = csrf_post(client, f"/api/entry/{saved['id']}/update", {"remind": "旺旺"})
    assert reminded.status_code == 200 and reminded.json()["changes"]
    csrf_post(client, f"/api/entry/{saved['id']}/update", {"outcome": "已付款", "note": "买家已付"})
    shown = json.loads(cli("log", "show", str(saved["id"]), "--json").stdout)
    assert shown["outcome"] == "已付款" and len(shown["history"]) >= 3
    assert client.get("/api/due").json() == []


def test_check_page_shows_the_witness_cart(client, team_kb):
    (team_kb / "promos" / "cheap.yaml").write_text(
        "name: 清仓\nstart: 2026-11-01T00:00:00\nend: 2026-11-30T00:00:00\ncatalog: ../catalog.csv\n"
        "rules:\n  - {id: ltd-a, type: limited_time_discount, skus: [A], price: 30}\n",
        encoding="utf-8",
    )
    page = client.get("/check")
    assert page.status_code == 200
    assert "清仓" in page.text and "复现购物车" in page.text and "乳胶枕（A）" in page.text
    assert "/quote?campaign=cheap" in page.text


# ---------------------------------------------------------------- many agents, one logbook


@pytest.fixture
def web_db(request, tmp_path, monkeypatch):
    """The logbook for the many-agents test: a SQLite file, or a fresh PostgreSQL schema."""
    target = (
        str(tmp_path / "logbook.sqlite3")
        if request.param == "sqlite"
        else request.getfixturevalue("pg_schema_url")
    )
    monkeypatch.setenv("CSTOOL_DB", target)
    return target


@pytest.mark.parametrize("web_db", BACKENDS, indirect=True)
def test_many_agents_write_at_once(team_kb, web_db, cli):
    """Four agents' pages post at the same time to one server and one logbook (SQLite or PostgreSQL)."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    env = {"CSTOOL_DB": web_db, "CSTOOL_KB": str(team_kb), "CSTOOL_NOW": NOW}

    def agent(number: int, url: str) -> list[int]:
        with httpx.Client(base_url=url, timeout=30) as browser:
            browser.get("/log")
            token = browser.cookies["cstool_csrf"]
            ids = []
            for i in range(5):
                body = {
                    "buyer": f"买家{number}-{i}",
                    "questions": "能便宜点吗",
                    "outcome": "成交",
                    "agent": f"客服{number}",
                }
                response = browser.post("/api/log/inquiry", json=body, headers={"X-CSRF-Token": token})
                assert response.status_code == 200, response.text
                ids.append(response.json()["id"])
            return ids

    with running_server(env=env) as url, ThreadPoolExecutor(4) as pool:
        ids = [i for batch in pool.map(lambda n: agent(n, url), range(4)) for i in batch]
    assert len(set(ids)) == 20
    listed = json.loads(cli("log", "list", "--limit", "0", "--json").stdout)
    assert sorted(e["id"] for e in listed) == sorted(ids)
    assert {e["agent"] for e in listed} == {f"客服{n}" for n in range(4)}

"""Who may use the workbench: access token, supervisor (unmasked) token, CSRF, security headers.

Cookies hold an HMAC of a token, never the token itself; nothing here logs
a token. Requests authenticated with an ``Authorization: Bearer`` header
need no CSRF token (a browser never adds that header on its own).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

AUTH_COOKIE = "cstool_auth"
UNMASK_COOKIE = "cstool_unmasked"
CSRF_COOKIE = "cstool_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cookie_value(token: str, purpose: str) -> str:
    """What a login cookie holds: an HMAC of the token, so the cookie never reveals it."""
    return hmac.new(token.encode("utf-8"), f"cstool-web:{purpose}".encode(), hashlib.sha256).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


@dataclass
class Guard:
    token: str | None = None
    unmasked_token: str | None = None
    secure_cookies: bool = False
    _auth_cookie: str | None = field(default=None, init=False, repr=False)
    _unmask_cookie: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.token:
            self._auth_cookie = cookie_value(self.token, "auth")
        if self.unmasked_token:
            self._unmask_cookie = cookie_value(self.unmasked_token, "unmasked")

    def __repr__(self) -> str:  # never show a token in a traceback or a log
        return (
            f"Guard(token={'set' if self.token else None}, unmasked={'set' if self.unmasked_token else None})"
        )

    # -- access token
    def bearer(self, headers: Mapping[str, str]) -> str | None:
        value = headers.get("authorization", "")
        scheme, _, credential = value.partition(" ")
        return credential.strip() if scheme.lower() == "bearer" and credential.strip() else None

    def by_header(self, headers: Mapping[str, str]) -> bool:
        return self.token is not None and same(self.bearer(headers), self.token)

    def allowed(self, headers: Mapping[str, str], cookies: dict[str, str]) -> bool:
        if self.token is None:
            return True
        return self.by_header(headers) or same(cookies.get(AUTH_COOKIE), self._auth_cookie)

    def login(self, given: str) -> str | None:
        """The cookie value for a correct token, else None."""
        if self.token is not None and same(given.strip(), self.token):
            return self._auth_cookie
        return None

    def host_ok(self, host_header: str) -> bool:
        """Without a token only loopback names are served: a web page elsewhere cannot reach the
        workbench by pointing its own domain at 127.0.0.1 (DNS rebinding)."""
        if self.token is not None:
            return True
        host = host_header.strip().lower()
        if host.startswith("["):
            host = host[1 : host.find("]")] if "]" in host else host
        else:
            host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        return is_loopback(host)

    # -- supervisor switch
    def unmasked(self, headers: Mapping[str, str], cookies: dict[str, str]) -> bool:
        if self.unmasked_token is None:
            return False
        header = headers.get("x-unmasked-token")
        return same(header, self.unmasked_token) or same(cookies.get(UNMASK_COOKIE), self._unmask_cookie)

    def unmask(self, given: str) -> str | None:
        if self.unmasked_token is not None and same(given.strip(), self.unmasked_token):
            return self._unmask_cookie
        return None

    # -- CSRF (double submit: a random cookie the page repeats in a header or form field)
    @staticmethod
    def new_csrf() -> str:
        return secrets.token_urlsafe(24)

    def csrf_ok(
        self, method: str, headers: Mapping[str, str], cookies: dict[str, str], form_value: str | None
    ) -> bool:
        if method in SAFE_METHODS or self.by_header(headers):
            return True
        expected = cookies.get(CSRF_COOKIE)
        given = headers.get(CSRF_HEADER) or form_value
        return same(given, expected)

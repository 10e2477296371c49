"""The test OpenID provider (tests/oidc_op), started by the tests on loopback, and a browser's
part of the round trip for tests that do not run Chromium.

`start_provider()` runs `python -m tests.oidc_op --port N` in a subprocess and waits for its
discovery document; each instance is its own issuer (http://127.0.0.1:N/o). `sign_in(client, op,
slug, username)` plays the browser: Haandguide's button (the Django test client), the provider's
login page and authorization (requests), and back to Haandguide's callback (the test client).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "kommune-kode-123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class TestProvider:
    port: int
    process: subprocess.Popen = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def _control(self, what: str, data: dict) -> None:
        response = requests.post(f"{self.url}/test/{what}/", json=data, timeout=30)
        response.raise_for_status()

    def client(self, client_id: str, secret: str, redirect_uris: list[str], post_logout_redirect_uris=()) -> None:
        self._control("client", {"client_id": client_id, "client_secret": secret, "redirect_uris": redirect_uris,
                                 "post_logout_redirect_uris": list(post_logout_redirect_uris)})

    def user(self, username: str, *, sub: str | None = None, email: str = "", groups=(), mfa: bool = True,
             password: str = PASSWORD, **claims) -> None:
        self._control("user", {"username": username, "password": password, "sub": sub or f"sub-{username}",
                               "email": email, "groups": list(groups), "mfa": mfa, **claims})

    def fault(self, name: str) -> None:
        """The next ID token this provider issues is bad in this one way (tests/oidc_op/state.py)."""
        self._control("fault", {"fault": name})

    def rotate_keys(self) -> None:
        self._control("rotate", {})

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_provider(timeout: float = 90) -> TestProvider:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "OP_DB"}}
    # The provider's request log goes to a file: an unread pipe fills up and stalls the provider.
    log = tempfile.NamedTemporaryFile(prefix="oidc-op-", suffix=".log", delete=False)
    process = subprocess.Popen([sys.executable, "-m", "tests.oidc_op", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    provider = TestProvider(port, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("The test OpenID provider stopped: " + Path(log.name).read_text()[-2000:])
        try:
            if requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=2).ok:
                return provider
        except requests.RequestException:
            pass
        time.sleep(0.2)
    provider.stop()
    raise RuntimeError("The test OpenID provider did not start in time.")


def _csrf(html: str) -> str:
    return unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1))


def provider_login(authorize_url: str, username: str, password: str = PASSWORD,
                   browser: requests.Session | None = None) -> str:
    """At the provider: open the authorization URL, sign in on its login page, and answer where
    the provider sends the browser back (Haandguide's callback with code and state)."""
    browser = browser or requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=30)
    if response.status_code == 302 and "/login/" in response.headers["Location"]:
        login_url = requests.compat.urljoin(authorize_url, response.headers["Location"])
        page = browser.get(login_url, timeout=30)
        response = browser.post(login_url, data={"csrfmiddlewaretoken": _csrf(page.text), "username": username,
                                                 "password": password, "next": _next_of(page.text)},
                                headers={"Referer": login_url}, allow_redirects=False, timeout=30)
        assert response.status_code == 302, f"the provider refused the login of {username}"
        response = browser.get(requests.compat.urljoin(login_url, response.headers["Location"]),
                               allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def _next_of(html: str) -> str:
    match = re.search(r'name="next" value="([^"]*)"', html)
    return unescape(match.group(1)) if match else ""


def local(url: str) -> str:
    """The path and query of an absolute URL, for the Django test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def start_sign_in(client, slug: str, next_url: str = "") -> str:
    """Haandguide's button: the provider's authorization URL."""
    response = client.get("/login/udbyder/", {"udbyder": slug, "next": next_url})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def sign_in(client, slug: str, username: str, *, password: str = PASSWORD, next_url: str = ""):
    """The whole round trip; answers Haandguide's response to the provider's answer."""
    callback = provider_login(start_sign_in(client, slug, next_url), username, password)
    return client.get(local(callback))

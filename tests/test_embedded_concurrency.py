"""The first README command serves several people at once: runserver on the embedded SQLite file.

A real server process on a file database (not the suite's in-memory one), loaded with the demo
like `./dev up`; twenty logged-in people load pages and save at the same moment. Before the SQLite
options in settings (IMMEDIATE transactions, WAL, a busy timeout) two requests were enough for
"database is locked" and an HTTP 500.
"""

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
CLIENTS = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person: a cookie jar, the CSRF token, and every status code seen."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.statuses: list[tuple[str, int]] = []

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body, headers={"Referer": self.base_url + path})
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        self.statuses.append((path, status))
        return status, text

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def login(self, username: str) -> None:
        self.request("/login/")
        status, _ = self.request("/login/", {"username": username, "password": "haandguide-demo",
                                             "csrfmiddlewaretoken": self.csrf()})
        assert status == 302, f"{username} could not log in"


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory):
    var = tmp_path_factory.mktemp("embedded")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "haandguide.settings", "HAANDGUIDE_MODE": "development",
           "HAANDGUIDE_VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var}/haandguide.sqlite3", "DEBUG": "false"}
    env.pop("REDIS_URL", None)  # the embedded default: no Redis, eager Celery
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=BASE_DIR)
    subprocess.run([*manage, "demo"], env=env, check=True, cwd=BASE_DIR, stdout=subprocess.DEVNULL)
    port = _free_port()
    server = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env, cwd=BASE_DIR,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base_url + "/login/", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        else:
            pytest.fail("runserver did not start")
        yield base_url, var / "haandguide.sqlite3"
    finally:
        server.terminate()
        server.wait(timeout=20)


def _all_at_once(function, count):
    barrier = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            barrier.wait()
            function(index)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_twenty_people_at_once_on_the_embedded_sqlite_get_no_error(embedded_server):
    base_url, database = embedded_server
    people = [Browser(base_url) for _ in range(CLIENTS)]
    _all_at_once(lambda index: people[index].login("paedagog" if index % 2 else "leder"), CLIENTS)

    _, child_list = people[0].request("/boern/")
    child_id = re.search(r'href="/boern/(\d+)/"', child_list).group(1)
    with sqlite3.connect(database) as db:
        type_id = db.execute("SELECT id FROM cases_observationtype WHERE has_topi_position = 0 AND active = 1 "
                             "ORDER BY id LIMIT 1").fetchone()[0]
        observations_before = db.execute("SELECT count(*) FROM cases_observation").fetchone()[0]

    def busy_day(index):
        person = people[index]
        person.request("/")
        person.request("/boern/")
        person.request(f"/boern/{child_id}/")
        person.request(f"/boern/{child_id}/observationer/ny/", {
            "type": type_id, "observed_on": "2026-11-02", "text": f"Samtidig observation {index}",
            "csrfmiddlewaretoken": person.csrf()})
        person.request("/favicon.ico")

    _all_at_once(busy_day, CLIENTS)

    seen = [(path, status) for person in people for path, status in person.statuses[2:]]  # after the login
    assert len(seen) == CLIENTS * 5 + 1
    assert [(path, status) for path, status in seen if status not in (200, 302)] == []
    assert sum(1 for path, status in seen if path.endswith("/ny/") and status == 302) == CLIENTS  # all saved
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM cases_observation").fetchone()[0] == observations_before + CLIENTS
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

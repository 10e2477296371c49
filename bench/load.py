"""Load run (not a test): gunicorn on PostgreSQL, 1, 4 and 8 logged-in clients at once, each page
on its own for a bounded time: requests per second and p50/p95 latency per page and client count.

    createdb -h 127.0.0.1 -U postgres haandguide_load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/haandguide_load .venv/bin/python bench/load.py \
        --children 2500 --seconds 10 --clients 1,4,8
    # the national data set (bench/generate.py --children 300000), Redis-backed sessions as in production:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hg_national REDIS_URL=redis://127.0.0.1:6379/3 \
        SESSION_STORE=cached_db .venv/bin/python bench/load.py --reuse --seconds 10

It generates a municipality with bench/national.py (unless --reuse finds one), starts gunicorn on
127.0.0.1 (--workers, default 3 as docker-compose runs; --threads), logs every client in through
the login page (half as the institution leader, half as the districts' consultant) and then, for
each page (the child list, one child's page, the district council's agenda) and each client count,
has every client request that page as fast as it can. Only the standard library. Per phase it also
prints the CPU each request cost the load clients themselves, gunicorn, the PostgreSQL backends
serving it and the rest of the machine (Redis and, on a shared machine, everything else), so one
sees what saturates, and a shared machine's other work does not hide the cost of a request.

--short (CI's PostgreSQL pass): a fresh small data set, 2 s per phase, 1 and 4 clients. The exit
status is 1 only if a request failed (not 200); slowness never fails the run.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haandguide.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from bench.generate import generate, refuse_unsafe_database  # noqa: E402


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=2500)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", default="1,4,8", help="client counts, comma-separated: one phase each per page")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (docker-compose runs 3)")
    parser.add_argument("--access-log", action="store_true",
                        help="gunicorn writes an access-log line per request, as docker-compose runs it (to a file)")
    parser.add_argument("--only", default="", help="only the pages whose label contains this text")
    parser.add_argument("--reuse", action="store_true", help="use the newest benchmark municipality if there is one")
    parser.add_argument("--fresh", action="store_true", help="empty the database first")
    parser.add_argument("--short", action="store_true", help="CI: 200 children, 1 year, 4 s, 4 clients, fresh")
    args = parser.parse_args()
    if args.short:
        args.children, args.years, args.seconds, args.clients, args.workers = 200, 1, 2, "1,4", 2
        args.fresh, args.reuse = True, False
    return args


# --- data -------------------------------------------------------------------------------------


def prepare(args: argparse.Namespace) -> dict:
    """The data set, a password for the leader and the consultant, and the three pages' paths."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from districtcouncil.models import CouncilMeeting
    from haandguide.models import Child, Municipality, Role, User

    if os.environ.get("DATABASE_URL", "").split(":")[0] not in {"postgres", "postgresql"}:
        sys.exit("The load run is for PostgreSQL: set DATABASE_URL=postgres://…/haandguide_load")
    call_command("migrate", verbosity=0)
    if args.fresh:
        call_command("flush", interactive=False, verbosity=0)
    municipality = Municipality.objects.filter(name__startswith="Benchkommune").order_by("-pk").first()
    if municipality is None or not args.reuse:
        began = time.perf_counter()
        generate(args.children, args.years, batch=10000, seed=7)
        print(f"Generation took {time.perf_counter() - began:.1f} s.")
        municipality = Municipality.objects.filter(name__startswith="Benchkommune").order_by("-pk").first()
    password = secrets.token_urlsafe(16)
    logins = []
    for role, prefix in ((Role.LEDER, "bench-leder"), (Role.KONSULENT, "bench-konsulent")):
        user = User.objects.get(municipality=municipality, role=role, username__startswith=prefix)
        user.set_password(password)
        user.save(update_fields=["password"])
        logins.append(user.username)
    leader = User.objects.get(username=logins[0])
    institution = leader.institutions.get()
    child = Child.objects.filter(institution=institution, case__isnull=False).order_by("pk").first()
    # The agenda of the leader's district with the most submissions on it (both users are members).
    meeting = (CouncilMeeting.objects.filter(council__district=institution.district, submissions__isnull=False)
               .order_by("-starts_at").first()
               or CouncilMeeting.objects.filter(council__district=institution.district).order_by("-starts_at").first())
    pages = {
        "Børneliste": reverse("cases:child_list"),
        "Barnets side": reverse("cases:child_detail", args=[child.pk]),
        "Dagsorden (distriktsråd)": reverse("districtcouncil:meeting_detail", args=[meeting.pk]),
    }
    children = Child.objects.filter(institution__district__municipality=municipality).count()
    return {"logins": logins, "password": password, "pages": pages, "children": children}


# --- server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int = 1, access_log: str = "") -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "haandguide.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--log-level", "warning",
         *(["--access-logfile", access_log] if access_log else [])], cwd=BASE_DIR, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer within 30 s")


# --- clients ----------------------------------------------------------------------------------


class Session:
    """One browser: a keep-alive connection and its cookies."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urlencode(body)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://127.0.0.1/"})
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content

    def login(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"login page answered {status}")
        status, _ = self.request("POST", "/login/", {"csrfmiddlewaretoken": token.group(1).decode(),
                                                     "username": username, "password": password})
        if status != 302:
            raise RuntimeError(f"login as {username} answered {status}, not a redirect")


# --- where the CPU goes -------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that were waited for (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:13]) / TICK


def server_cpu(server: subprocess.Popen) -> float:
    """gunicorn's CPU: the master and each worker alive now."""
    pids = [server.pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
    except OSError:
        pass
    return sum(cpu_seconds(pid) for pid in pids)


def database_backends() -> list[int]:
    """The PostgreSQL backends serving this database for others (the gunicorn workers' connections):
    their CPU is read from /proc as well, the database being on this machine (loopback)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        pids = [pid for (pid,) in cursor.fetchall()]
    connection.close()
    return pids


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot (/proc/stat), every core summed."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / TICK, sum(values) / TICK


def run(port: int, setup: dict, clients: int, seconds: float, pages: list[tuple[str, str]] | None = None,
        server: subprocess.Popen | None = None):
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    lock = threading.Lock()
    sessions = []
    for i in range(clients):
        session = Session(port)
        session.login(setup["logins"][i % 2], setup["password"])
        sessions.append(session)
    for session in sessions:
        # Signing in takes a while (password hashing); a threaded gunicorn closes a keep-alive
        # connection idle that long, so each client starts on a fresh one, as a browser would.
        session.conn.close()
    start = threading.Barrier(clients + 1)
    pages = pages or list(setup["pages"].items())

    def client(i: int, session: Session, stop_at: list[float]):
        start.wait()
        n = i  # clients start on different pages
        while time.monotonic() < stop_at[0]:
            label, path = pages[n % len(pages)]
            n += 1
            began = time.perf_counter()
            try:
                status, _ = session.request("GET", path)
            except (OSError, http.client.HTTPException) as error:
                status, session.conn = repr(error), http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - began
            with lock:
                if status == 200:
                    timings[label].append(elapsed)
                else:
                    errors[label].append(str(status))

    stop_at = [float("inf")]
    threads = [threading.Thread(target=client, args=(i, s, stop_at)) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + seconds
    start.wait()
    began = time.monotonic()
    # CPU over the phase: the load clients (this process), gunicorn, and the whole machine
    # (the rest is PostgreSQL, Redis and, on a shared machine, everything else running).
    database_began = {pid: cpu_seconds(pid) for pid in database_backends()}
    client_began, server_began, machine_began = time.process_time(), server_cpu(server) if server else 0.0, machine_cpu()
    for thread in threads:
        thread.join()
    machine_ended = machine_cpu()
    cpu = {"client": time.process_time() - client_began,
           "server": (server_cpu(server) - server_began) if server else 0.0,
           # a backend opened during the phase (a worker thread's first connection) counts whole
           "database": sum(cpu_seconds(pid) - database_began.get(pid, 0.0) for pid in database_backends()),
           "machine": machine_ended[0] - machine_began[0]}
    return timings, errors, time.monotonic() - began, cpu


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    args = parse()
    refuse_unsafe_database()
    setup = prepare(args)
    from django.db import connections

    connections.close_all()  # the server has its own connections
    port = free_port()
    access_log = f"/tmp/haandguide-load-access-{port}.log" if args.access_log else ""
    server = start_gunicorn(port, args.workers, args.threads, access_log)
    counts = [int(n) for n in str(args.clients).split(",")]
    rows, failed = [], {}
    try:
        # One phase per page and client count: every client asks that page only, as fast as it can.
        for label, path in setup["pages"].items():
            if args.only.lower() not in label.lower():
                continue
            for clients in counts:
                timings, errors, elapsed, cpu = run(port, setup, clients, args.seconds, [(label, path)], server)
                done = timings.get(label, [])
                rows.append((label, clients, done, len(errors.get(label, [])), elapsed, cpu))
                if errors.get(label):
                    failed[label] = sorted(set(errors[label]))
    finally:
        server.terminate()
        server.wait(timeout=30)
        if access_log:
            Path(access_log).unlink(missing_ok=True)

    print(f"\nPostgreSQL, {setup['children']:,} children, gunicorn {args.workers} workers × {args.threads} threads, "
          f"{args.seconds:.0f} s per phase, sessions in {os.environ.get('SESSION_STORE') or 'db'}"
          f"{', access log written' if access_log else ''}")
    print("CPU ms per request: the load clients (this process), gunicorn (master and workers), the PostgreSQL "
          "backends serving them, the rest (Redis and anything else on the machine); busy: the machine's cores in use")
    print(f"| {'page':26} | clients | {'requests':>8} | {'req/s':>6} | {'p50':>7} | {'p95':>7} | {'errors':>6} "
          f"| client | gunicorn | postgres | rest | busy |")
    print(f"|{'-' * 28}|--------:|{'-' * 9}:|{'-' * 7}:|{'-' * 8}:|{'-' * 8}:|{'-' * 7}:|-------:|---------:|---------:|"
          f"-----:|-----:|")
    cores = os.cpu_count() or 1
    for label, clients, done, error_count, elapsed, cpu in rows:
        p50 = f"{percentile(done, 50) * 1000:4.0f} ms" if done else "–"
        p95 = f"{percentile(done, 95) * 1000:4.0f} ms" if done else "–"
        per = 1000 / max(len(done), 1)
        rest = max(cpu["machine"] - cpu["client"] - cpu["server"] - cpu["database"], 0.0)
        print(f"| {label:26} | {clients:7} | {len(done):8} | {len(done) / elapsed:6.1f} | {p50:>7} | {p95:>7} | "
              f"{error_count:6} | {cpu['client'] * per:6.1f} | {cpu['server'] * per:8.1f} | "
              f"{cpu['database'] * per:8.1f} | {rest * per:4.1f} | "
              f"{cpu['machine'] / elapsed / cores:4.0%} |")
    if failed or not any(done for _, _, done, _, _, _ in rows):
        sys.exit(f"Failed requests: {failed or 'none answered'}")


if __name__ == "__main__":
    main()

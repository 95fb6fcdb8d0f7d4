#!/usr/bin/env python
"""Khata's HTTP benchmark: generate data, start `khata serve`, measure latency and throughput.

    .venv/bin/python bench/run.py --db sqlite --companies 1000 --duration 10 --clients 1,8
    .venv/bin/python bench/run.py --db postgres --companies 100000 --duration 10

For each database asked for, the script makes a fresh KHATA_HOME in a temporary folder (and, for
PostgreSQL, drops and recreates the database `khata_bench`), runs `khata demo --no-serve
--companies N` (which goes through `khata.core.demo.build_demo`, so every app's demo step
contributes rows), creates a bearer token, starts `khata serve` on a free port of 127.0.0.1,
signs in for the pages, and then, for every endpoint in ENDPOINTS and every client count, runs a
closed-loop load: each client is a thread with one keep-alive `http.client` connection that sends
the next request as soon as the previous answer is read, until the time or the request budget
runs out. Every latency is kept; the script reports requests/s and p50/p95/p99, counts answers
with an unexpected status as errors, writes raw JSON to bench/results/ and a Markdown table into
docs/benchmarks.md between `<!-- bench:DB -->` and `<!-- /bench:DB -->`.

It talks to 127.0.0.1 only and is never part of the test suite. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field, replace
from http.cookies import SimpleCookie
from pathlib import Path

# --- what is measured: add an endpoint with one line ------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One request to measure.

    auth: "none", "token" (Authorization: Bearer) or "session" (signed-in browser cookie).
    user: which demo account the token or session belongs to ("manager" or "head").
    status: the answer every request must get; anything else counts as an error.
    """

    name: str
    path: str
    auth: str = "none"
    user: str = "manager"
    method: str = "GET"
    body: str | None = None
    status: int = 200


ENDPOINTS: list[Endpoint] = [
    Endpoint("health check", "/healthz"),
    Endpoint("API: me", "/api/v1/me", auth="token"),
    Endpoint("API: my tokens", "/api/v1/tokens", auth="token"),
    Endpoint("API: companies, 1st page (head)", "/api/v1/companies", auth="token", user="head"),
    Endpoint("API: company search 'mann' (head)", "/api/v1/companies?q=mann", auth="token",
             user="head"),
    Endpoint("API: company search 'patel' (head)", "/api/v1/companies?q=patel", auth="token",
             user="head"),
    # Fragments whose matches come late in the alphabet, or are very common ('ltd').
    Endpoint("API: company search 'kumar' (head)", "/api/v1/companies?q=kumar", auth="token",
             user="head"),
    Endpoint("API: company search 'singh' (head)", "/api/v1/companies?q=singh", auth="token",
             user="head"),
    Endpoint("API: company search 'zimm' (head)", "/api/v1/companies?q=zimm", auth="token",
             user="head"),
    Endpoint("API: company search 'ltd' (head)", "/api/v1/companies?q=ltd", auth="token",
             user="head"),
    Endpoint("API: company search 'ltd' Z→A (head)", "/api/v1/companies?q=ltd&sort=-name",
             auth="token", user="head"),
    Endpoint("API: company search 'mann' (manager)", "/api/v1/companies?q=mann", auth="token"),
    Endpoint("API: company search 'ltd' (manager)", "/api/v1/companies?q=ltd", auth="token"),
    Endpoint("API: company search by e-mail (head)", "/api/v1/companies?q={email}",
             auth="token", user="head"),
    Endpoint("API: company search by phone (head)", "/api/v1/companies?q={phone}",
             auth="token", user="head"),
    Endpoint("API: companies, filtered 1st page (head)",
             "/api/v1/companies?lifecycle=client&country=IN&industry=C", auth="token",
             user="head"),
    Endpoint("API: company 1 (head)", "/api/v1/companies/1", auth="token", user="head"),
    Endpoint("page: Today (manager)", "/", auth="session"),
    Endpoint("page: Today (head)", "/", auth="session", user="head"),
    Endpoint("page: companies (manager)", "/companies/", auth="session"),
    Endpoint("page: companies, filtered (manager)",
             "/companies/?lifecycle=client&freshness=stale", auth="session"),
    Endpoint("page: companies, filtered (head)",
             "/companies/?lifecycle=client&country=IN&industry=C", auth="session", user="head"),
    Endpoint("page: company search 'mann' (head)", "/companies/?q=mann", auth="session",
             user="head"),
    Endpoint("page: company 1 (head)", "/companies/1/", auth="session", user="head"),
    Endpoint("page: change log (head)", "/audit/", auth="session", user="head"),
    # Issue 5: prospecting (the demo makes companies ÷ 2 leads unless --leads, six methods,
    # three segments).
    Endpoint("page: audience analysis (head)", "/analysis/", auth="session", user="head"),
    Endpoint("page: audience analysis (manager)", "/analysis/", auth="session"),
    Endpoint("page: search methods (head)", "/search-methods/", auth="session", user="head"),
    Endpoint("API: search-method figures (head)", "/api/v1/search-methods/figures",
             auth="token", user="head"),
    Endpoint("page: segment 1 with its count (head)", "/segments/1/", auth="session",
             user="head"),
    # Segment 2 ("mid-size and large prospects") is the large one: about a quarter of all.
    Endpoint("page: segment 2 with its count (head)", "/segments/2/", auth="session",
             user="head"),
    Endpoint("page: segment 2 builder with its count (head)", "/segments/2/edit/",
             auth="session", user="head"),
    Endpoint("API: segment 1 members (head)", "/api/v1/segments/1/members", auth="token",
             user="head"),
    Endpoint("page: leads (manager)", "/leads/", auth="session"),
    # Issue 7: reliability (the demo scores every company; company 1 has statements).
    Endpoint("page: reliability by band (head)", "/reliability/", auth="session", user="head"),
    Endpoint("page: reliability by band (manager)", "/reliability/", auth="session"),
    Endpoint("page: reliability band E clients (head)", "/reliability/?band=E&lifecycle=client",
             auth="session", user="head"),
    Endpoint("page: reliability card of company 1 (head)", "/companies/1/reliability/",
             auth="session", user="head"),
    Endpoint("API: reliability what-if (manager)", "/api/v1/reliability/what-if",
             auth="token", method="POST", body=json.dumps({
                 "as_of": "2026-06-30", "manufacturer": True,
                 "statements": [
                     {"fiscal_year": year, "currency": "INR", "revenue": 9_000_000 + k,
                      "ebit": 600_000, "net_income": 400_000, "total_assets": 7_000_000,
                      "current_assets": 3_000_000, "total_liabilities": 4_000_000,
                      "current_liabilities": 2_000_000, "retained_earnings": 1_500_000,
                      "book_equity": 3_000_000}
                     for k, year in enumerate([2023, 2024, 2025])],
                 "invoices": [
                     {"currency": "INR", "amount": "120000", "issued_on": f"2025-{m:02d}-01",
                      "due_on": f"2025-{m:02d}-28", "paid_on": f"2025-{m + 1:02d}-10"}
                     for m in range(1, 12)],
                 "checklist": {"years_in_business": 12, "registry_status": "active",
                               "legal_disputes": False, "ownership_known": True}})),
]

DEMO_ACCOUNTS = {
    "manager": ("manager1@example.com", "khata-manager-demo"),
    "head": ("head@example.com", "khata-head-demo"),
}
ALLOWED_HOSTS = {"127.0.0.1", "localhost", "::1"}
HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
DOC = REPO / "docs" / "benchmarks.md"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/khata_bench"


def log(message: str) -> None:
    print(message, flush=True)


# --- the system under test --------------------------------------------------------------------


def local_only(url: str) -> urllib.parse.ParseResult:
    parts = urllib.parse.urlparse(url)
    if parts.hostname not in ALLOWED_HOSTS:
        raise SystemExit(f"bench: refusing a database that is not on this machine: {url}")
    return parts


def recreate_postgres(url: str, *, drop_only: bool = False) -> None:
    """Drop the benchmark database and (unless drop_only) create it empty again."""
    import psycopg
    from psycopg import sql

    parts = local_only(url)
    name = parts.path.lstrip("/")
    if not name or name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"bench: refusing to drop the database {name!r}")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def snapshot_source(source: str, into: Path) -> str:
    """Copy Khata's code so that edits made during a run cannot change what is measured.

    `worktree` copies src/ as it is now; anything else is a git revision (`git archive`).
    Returns the revision measured. The child processes import the copy (PYTHONPATH comes
    before the editable install's path)."""
    if source == "worktree":
        shutil.copytree(REPO / "src", into / "src",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests"))
        return source_revision()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", source], cwd=REPO, text=True,
                                capture_output=True, check=True, timeout=30).stdout.strip()
        archive = subprocess.run(["git", "archive", "--format=tar", commit, "src"], cwd=REPO,
                                 capture_output=True, check=True, timeout=120).stdout
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"bench: cannot read the revision {source!r}: "
                         f"{exc.stderr.decode(errors='replace').strip()}") from exc
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return commit


def analyze_database(db: str, database_url: str) -> None:
    """Give the query planner statistics of the generated data and mark the pages all-visible,
    as PostgreSQL's autovacuum would soon after a bulk load (SQLite has no such thing: only
    when asked to). Without the VACUUM an index-only scan still visits every row's page."""
    if db == "postgres":
        import psycopg

        with psycopg.connect(local_only(database_url).geturl(), autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
    else:
        import sqlite3

        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            conn.execute("ANALYZE")
        finally:
            conn.close()


def khata_env(home: Path, database_url: str, source: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": os.pathsep.join(filter(None, [str(source / "src"),
                                                    os.environ.get("PYTHONPATH")])),
        "KHATA_HOME": str(home),
        "KHATA_DATABASE_URL": database_url,
        "KHATA_DEBUG": "0",
        "KHATA_TASKS": "sqlite",
        "KHATA_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "khata.config.settings",
    })
    for name in ("KHATA_HTTPS", "KHATA_SSL_REDIRECT", "KHATA_ALLOWED_HOSTS"):
        env.pop(name, None)
    return env


def khata(env: dict, *args: str, timeout: float = 7200) -> str:
    """Run one `khata` command to completion and return its standard output."""
    done = subprocess.run([sys.executable, "-m", "khata", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: `khata {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    return done.stdout


FACTS_SCRIPT = r"""
import json, platform, django
django.setup()
import granian
import khata
from django.apps import apps
from django.db import connection
rows = {}
tables = set(connection.introspection.table_names())
for model in apps.get_models():
    meta = model._meta
    if model.__module__.startswith("khata.") and meta.managed and not meta.proxy \
            and meta.db_table in tables:
        rows[meta.label] = model._base_manager.count()
with connection.cursor() as cursor:
    if connection.vendor == "sqlite":
        cursor.execute("select sqlite_version()")
        database = "SQLite " + cursor.fetchone()[0]
        statistics = "sqlite_stat1" in tables
    else:
        cursor.execute("show server_version")
        database = "PostgreSQL " + cursor.fetchone()[0].split()[0]
        cursor.execute("show autovacuum")
        database += " (autovacuum " + cursor.fetchone()[0]
        # The settings that decide how fast big writes go (docs/deployment.md sizes them).
        for setting in ("shared_buffers", "max_wal_size"):
            cursor.execute("show " + setting)
            database += f", {setting} " + cursor.fetchone()[0]
        database += ")"
        cursor.execute("select count(*) from pg_stat_user_tables where relname = 'team_user' and "
                       "coalesce(last_analyze, last_autoanalyze) is not null")
        statistics = cursor.fetchone()[0] > 0
from khata.clients.models import Contact
middle = (Contact.objects.order_by("-id").values_list("id", flat=True).first() or 0) // 2
sample = (Contact.objects.filter(id__gte=middle).exclude(phone="").order_by("id")
          .values("email", "phone").first() or {"email": "nobody@example.com", "phone": ""})
print(json.dumps({"python": platform.python_version(), "django": django.get_version(),
                  "sample": {"email": sample["email"], "phone": sample["phone"][-10:]},
                  "granian": granian.__version__, "database": database, "rows": rows,
                  "planner_statistics": statistics,
                  "khata_path": khata.__file__}))
"""


def system_facts(env: dict) -> dict:
    """Versions and row counts, asked of Khata's own settings in a child process."""
    done = subprocess.run([sys.executable, "-c", FACTS_SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: could not read the data size:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def source_revision() -> str:
    """The commit measured, marked when the working tree had uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True,
                                capture_output=True, check=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO, text=True, capture_output=True, check=True,
                               timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}+changes" if dirty else commit


def machine_facts() -> dict:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": ram_gib,
            "kernel": platform.release()}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """`khata serve` as a child process in its own process group, stopped by its id."""

    def __init__(self, env: dict, home: Path, *, workers: int, threads: int):
        self.port = free_port()
        self.log_path = home / f"serve-{threads}t.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "khata", "serve", "--host", HOST, "--port", str(self.port),
             "--workers", str(workers), "--threads", str(threads)],
            env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: khata serve exited:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"bench: khata serve did not answer /healthz in {timeout:.0f} s:\n"
                         f"{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group this script started
                self.process.wait(timeout=10)
        self._log.close()


def machine_busy_cpu() -> float:
    """CPU seconds the whole machine has spent busy (not idle, not waiting for I/O) so far."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


PG_BACKEND_TITLE = re.compile(r"\S+ (\S+) (?:[\w.:-]+\(\d+\)|\[local\])")
PG_PARALLEL_TITLE = re.compile(r"parallel worker for PID (\d+)")


@dataclass
class CpuSnapshot:
    """CPU seconds used so far: the whole machine busy, this script, the server's process
    tree, and the PostgreSQL backends serving the benchmark database (Linux /proc)."""

    busy: float
    bench: float
    server: float
    database: float
    per_process: dict[int, float] = field(default_factory=dict)

    @classmethod
    def take(cls, server_pid: int, pg_database: str | None) -> CpuSnapshot:
        tick = os.sysconf("SC_CLK_TCK")
        busy = machine_busy_cpu()
        parent, used, backends, helpers, ended = {}, {}, set(), {}, 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()
                seconds = (int(fields[11]) + int(fields[12])) / tick
                if pg_database and stat[stat.index("(") + 1:stat.rindex(")")] == "postgres":
                    # a backend's title: "postgres: [CLUSTER: ]USER DATABASE HOST(PORT) STATE";
                    # a parallel query helper's: "postgres: [CLUSTER: ]parallel worker for PID N"
                    title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                        errors="replace")
                    match = PG_BACKEND_TITLE.search(title)
                    if match and match.group(1) == pg_database:
                        backends.add(int(entry.name))
                    elif match := PG_PARALLEL_TITLE.search(title):
                        helpers[int(entry.name)] = int(match.group(1))
                    elif not title.startswith("postgres:"):
                        # the postmaster: what its children used before they ended (parallel
                        # query workers live for one query, between two snapshots)
                        ended += (int(fields[13]) + int(fields[14])) / tick
            except (OSError, ValueError, IndexError):
                continue
            parent[int(entry.name)] = int(fields[1])
            used[int(entry.name)] = seconds
        database = ended + sum(used[pid] for pid in backends) + sum(
            used[pid] for pid, leader in helpers.items() if leader in backends)
        server, per_process = 0.0, {}
        for pid, seconds in used.items():
            node, hops = pid, 0
            while node and node != server_pid and hops < 64:
                node, hops = parent.get(node, 0), hops + 1
            if node == server_pid:
                server += seconds
                per_process[pid] = seconds
        return cls(busy=busy, bench=sum(os.times()[:2]), server=server, database=database,
                   per_process=per_process)

    def since(self, earlier: CpuSnapshot, seconds: float) -> dict:
        """% of one core each part used between `earlier` and this snapshot."""
        parts = {"server": self.server - earlier.server, "bench": self.bench - earlier.bench,
                 "database": self.database - earlier.database}
        parts["other"] = max(0.0, self.busy - earlier.busy - sum(parts.values()))
        shares = {name: round(100 * value / max(seconds, 1e-9)) for name, value in parts.items()}
        # how the server's CPU split over its processes (keep-alive connections stay with the
        # worker that accepted them, so 8 clients are not always 4 + 4)
        shares["server_processes"] = sorted(
            (round(100 * (used - earlier.per_process.get(pid, 0.0)) / max(seconds, 1e-9))
             for pid, used in self.per_process.items()), reverse=True)
        return shares


# --- signing in -------------------------------------------------------------------------------


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def sign_in(port: int, email: str, password: str) -> str:
    """Sign in through the login form like a browser; returns the Cookie header value."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    page = response.read().decode("utf-8", "replace")
    cookies = _cookies(response)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if response.status != 200 or not match or "csrftoken" not in cookies:
        raise SystemExit(f"bench: the login page answered {response.status} without a CSRF token")
    form = urllib.parse.urlencode({"username": email, "password": password,
                                   "csrfmiddlewaretoken": match.group(1)})
    conn.request("POST", "/login/", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookies['csrftoken']}",
        "Referer": f"http://{HOST}:{port}/login/",
    })
    response = conn.getresponse()
    response.read()
    cookies.update(_cookies(response))
    conn.close()
    if response.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"bench: signing in as {email} failed (HTTP {response.status})")
    return f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}"


# --- the load ---------------------------------------------------------------------------------


@dataclass
class ClientResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    finished_at: float = 0.0


def client_loop(port: int, endpoint: Endpoint, headers: dict, *, start: threading.Barrier,
                clock: list[float], duration: float, budget: int, timeout: float,
                result: ClientResult) -> None:
    """One closed-loop client: next request as soon as the answer is read; stops on its own
    after `duration` seconds or `budget` requests, whichever comes first."""
    conn: http.client.HTTPConnection | None = None
    failures_in_a_row = 0
    start.wait()
    deadline = clock[0] + duration
    perf = time.perf_counter
    latencies = result.latencies
    for _ in range(budget):
        if perf() >= deadline or failures_in_a_row >= 50:
            break
        if conn is None:
            conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        began = perf()
        try:
            conn.request(endpoint.method, endpoint.path, body=endpoint.body, headers=headers)
            response = conn.getresponse()
            body = response.read()
            status = response.status
            if response.will_close:
                conn.close()
                conn = None
            failures_in_a_row = 0
        except (OSError, http.client.HTTPException) as exc:
            status, body = None, repr(exc).encode()
            conn.close()
            conn = None
            failures_in_a_row += 1
        latencies.append(perf() - began)
        if status != endpoint.status:
            result.errors += 1
            if len(result.samples) < 3:
                result.samples.append(f"{status}: {body[:200].decode('utf-8', 'replace')}")
    result.finished_at = perf()
    if conn is not None:
        conn.close()


def run_load(port: int, endpoint: Endpoint, headers: dict, *, clients: int, duration: float,
             max_requests: int, timeout: float) -> tuple[list[ClientResult], float]:
    results = [ClientResult() for _ in range(clients)]
    clock = [0.0]
    start = threading.Barrier(clients + 1)
    budget = max(1, max_requests // clients)
    threads = [
        threading.Thread(target=client_loop, daemon=True, args=(port, endpoint, headers), kwargs={
            "start": start, "clock": clock, "duration": duration, "budget": budget,
            "timeout": timeout, "result": result})
        for result in results
    ]
    for thread in threads:
        thread.start()
    clock[0] = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join(duration + timeout + 30)
    elapsed = max((r.finished_at for r in results), default=clock[0]) - clock[0]
    return results, max(elapsed, 1e-9)


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def other_cpu_now(args, window: float = 1.0) -> float:
    """% of one core used by everything on the machine but this benchmark, over `window` s."""
    before = CpuSnapshot.take(args.server_pid, args.pg_database)
    time.sleep(window)
    return CpuSnapshot.take(args.server_pid, args.pg_database).since(before, window)["other"]


def wait_for_quiet(args) -> float:
    """On a shared machine, wait (boundedly) until the neighbours use little CPU."""
    deadline = time.monotonic() + args.quiet_wait
    while True:
        other = other_cpu_now(args)
        if other <= args.quiet_cpu or time.monotonic() >= deadline:
            return other
        log(f"    waiting for a quieter machine (others use {other:.0f}% of a core)")
        time.sleep(2)


def measure_once(port: int, endpoint: Endpoint, headers: dict, *, clients: int, args) -> dict:
    quiet_before = wait_for_quiet(args) if args.quiet_wait > 0 else None
    if args.warmup > 0:
        run_load(port, endpoint, headers, clients=clients, duration=args.warmup,
                 max_requests=args.max_requests, timeout=args.timeout)
    cpu_before = CpuSnapshot.take(args.server_pid, args.pg_database)
    results, elapsed = run_load(port, endpoint, headers, clients=clients,
                                duration=args.duration, max_requests=args.max_requests,
                                timeout=args.timeout)
    cpu = CpuSnapshot.take(args.server_pid, args.pg_database).since(cpu_before, elapsed)
    latencies = sorted(value for r in results for value in r.latencies)
    return {
        "endpoint": endpoint.name, "method": endpoint.method, "path": endpoint.path,
        "auth": endpoint.auth, "user": endpoint.user, "clients": clients,
        "threads": args.current_threads, "requests": len(latencies),
        "errors": sum(r.errors for r in results),
        "error_samples": [s for r in results for s in r.samples][:5],
        "seconds": round(elapsed, 3), "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else None,
        "server_cpu_pct": cpu["server"], "db_cpu_pct": cpu["database"],
        "bench_cpu_pct": cpu["bench"], "other_cpu_pct": cpu["other"],
        "server_cpu_by_process_pct": cpu["server_processes"],
        "other_cpu_before_pct": None if quiet_before is None else round(quiet_before),
    }


def measure(port: int, endpoint: Endpoint, headers: dict, *, clients: int, args) -> dict:
    """Measure a cell; if neighbours took CPU during it, measure again (up to --retries) and
    keep the attempt they disturbed least. Every attempt stays in the raw JSON."""
    attempts = []
    for _ in range(1 + args.retries):
        attempts.append(measure_once(port, endpoint, headers, clients=clients, args=args))
        if attempts[-1]["other_cpu_pct"] <= args.quiet_cpu:
            break
    best = min(attempts, key=lambda cell: cell["other_cpu_pct"])
    best["attempts"] = [{key: cell[key] for key in ("requests", "errors", "rps", "p50_ms",
                                                     "p95_ms", "p99_ms", "other_cpu_pct")}
                        for cell in attempts]
    return best


# --- reporting --------------------------------------------------------------------------------


def markdown_section(report: dict) -> str:
    meta, machine, facts = report["meta"], report["machine"], report["facts"]
    rows = facts["rows"]
    companies = next((n for label, n in rows.items() if label.endswith(".Company")), None)
    contacts = rows.get("clients.Contact")
    users = rows.get("team.User")
    leads = rows.get("prospecting.Lead")
    leads_option = f" --leads {meta['leads']}" if meta.get("leads") is not None else ""
    size = (f"`khata demo --companies {meta['companies']}{leads_option} --seed {meta['seed']}`: "
            f"{users if users is not None else '?':,} users, "
            + (f"{companies:,} companies, " if companies is not None
               else "no companies table yet, ")
            + (f"{contacts:,} contacts, " if contacts is not None else "")
            + (f"{leads:,} leads, " if leads is not None else "")
            + f"{sum(rows.values()):,} rows in all Khata tables")
    threads = sorted({cell["threads"] for cell in report["cells"]})
    disturbed = sum(1 for cell in report["cells"] if cell["other_cpu_pct"] > meta["quiet_cpu"])
    lines = [
        f"**{facts['database']}**, measured {meta['date']} on Khata {meta['revision']} by "
        "`bench/run.py`",
        "",
        f"- machine: {machine['nproc']} cores ({machine['cpu']}), {machine['ram_gib']} GiB RAM, "
        f"Linux {machine['kernel']}; load average {meta['load_before'][0]:.2f} before the run; "
        "the load generator runs on the same machine",
        f"- software: Python {facts['python']}, Django {facts['django']}, granian "
        f"{facts['granian']}; `khata serve --workers {meta['workers']} --threads "
        f"{','.join(map(str, threads))}`",
        f"- data: {size} (generated in {meta['demo_seconds']:.0f} s; "
        + {True: "planner statistics gathered", False: "no planner statistics",
           None: "planner statistics not recorded"}[facts.get("planner_statistics")]
        + (", `ANALYZE` run by the benchmark" if meta.get("analyzed") else "") + ")",
        f"- load: closed loop, {meta['duration']:g} s per cell after {meta['warmup']:g} s of "
        f"warm-up; CPU columns in % of one core: *server* is granian and its workers, *db* the "
        f"PostgreSQL backends of the benchmark database and their parallel workers (and any "
        f"PostgreSQL process that ended during the cell), *bench* the load generator, *other* "
        f"everything else on the machine ({disturbed} of {len(report['cells'])} cells had other "
        f"work above {meta['quiet_cpu']:g}%)",
        "",
    ]
    head = ["endpoint", "clients", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms",
            "server CPU", "db CPU", "bench CPU", "other CPU"]
    if len(threads) > 1:
        head.insert(1, "threads")
    lines.append("| " + " | ".join(head) + " |")
    lines.append("| " + " | ".join(["---"] + ["---:"] * (len(head) - 1)) + " |")
    for cell in report["cells"]:
        values = [f"{cell['endpoint']} `{cell['method']} {cell['path']}`", cell["clients"],
                  f"{cell['requests']:,}", cell["errors"], f"{cell['rps']:,.0f}",
                  f"{cell['p50_ms']:.1f}", f"{cell['p95_ms']:.1f}", f"{cell['p99_ms']:.1f}",
                  f"{cell['server_cpu_pct']}%",
                  f"{cell['db_cpu_pct']}%" if meta["db"] == "postgres" else "—",
                  f"{cell['bench_cpu_pct']}%", f"{cell['other_cpu_pct']}%"]
        if len(threads) > 1:
            values.insert(1, cell["threads"])
        lines.append("| " + " | ".join(map(str, values)) + " |")
    return "\n".join(lines)


DOC_TEMPLATE = """# Benchmarks

Figures from `bench/run.py` (see `bench/README.md`). They are measured by hand, never asserted in
the test suite. The tables between the `bench:` markers are rewritten by the script.

## SQLite

<!-- bench:sqlite -->
_not run yet_
<!-- /bench:sqlite -->

## PostgreSQL

<!-- bench:postgres -->
_not run yet_
<!-- /bench:postgres -->
"""


def write_doc(db: str, section: str) -> None:
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text() if DOC.exists() else DOC_TEMPLATE
    start, end = f"<!-- bench:{db} -->", f"<!-- /bench:{db} -->"
    block = f"{start}\n{section}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: block, text, count=1)
    else:
        text = text.rstrip("\n") + f"\n\n## {db}\n\n{block}\n"
    DOC.write_text(text)


# --- one database, start to end ---------------------------------------------------------------


DEMO_FACTS = "bench-demo.json"  # in a kept KHATA_HOME: how its data was generated


def bench_database(db: str, args) -> dict:
    reuse = args.home is not None
    home = Path(args.home).resolve() if reuse else Path(tempfile.mkdtemp(
        prefix=f"khata-bench-{db}-"))
    if db == "postgres":
        database_url = args.pg_url
        args.pg_database = urllib.parse.urlparse(database_url).path.lstrip("/")
    else:
        database_url = f"sqlite:///{home / 'khata.sqlite3'}"
        args.pg_database = None
    log(f"\n== {db}: KHATA_HOME={home}")
    server_errors: list[str] = []
    try:
        if db == "postgres" and not reuse:
            recreate_postgres(database_url)
        shutil.rmtree(home / "source", ignore_errors=True)
        revision = snapshot_source(args.source, home / "source")
        env = khata_env(home, database_url, home / "source")
        log(f"measuring Khata {revision} (a copy in {home / 'source'})")
        if reuse:
            generated = json.loads((home / DEMO_FACTS).read_text())
            args.companies, args.seed = generated["companies"], generated["seed"]
            args.leads = generated.get("leads")
            demo_seconds = generated["demo_seconds"]
            log(f"reusing the data of {home} ({args.companies:,} companies): khata migrate")
            khata(env, "migrate")
        else:
            log(f"generating data: khata demo --no-serve --companies {args.companies} "
                f"--seed {args.seed}")
            began = time.perf_counter()
            khata(env, "demo", "--no-serve", "--companies", str(args.companies),
                  "--seed", str(args.seed),
                  *(["--leads", str(args.leads)] if args.leads is not None else []))
            demo_seconds = time.perf_counter() - began
            (home / DEMO_FACTS).write_text(json.dumps({
                "companies": args.companies, "leads": args.leads, "seed": args.seed,
                "demo_seconds": round(demo_seconds, 1), "revision": revision}))
        analyze = args.analyze == "yes" or (args.analyze == "auto" and db == "postgres")
        if analyze:
            log("ANALYZE (planner statistics of the new data)")
            analyze_database(db, database_url)
        facts = system_facts(env)
        if not facts["khata_path"].startswith(str(home)):
            raise SystemExit(f"bench: the copy of the code is not used ({facts['khata_path']})")
        log(f"  {facts['database']}; rows: {facts['rows']}; {demo_seconds:.1f} s")
        sample = {name: urllib.parse.quote(value, safe="@")
                  for name, value in facts["sample"].items()}
        args.endpoints = [replace(endpoint, path=endpoint.path.format(**sample))
                          for endpoint in args.endpoints]
        users = {endpoint.user for endpoint in args.endpoints}
        tokens = {user: khata(env, "token", "create", DEMO_ACCOUNTS[user][0],
                              "--name", "benchmark").strip().splitlines()[-1]
                  for user in users}
        sessions: dict[str, str] = {}
        cells = []
        load_before = [round(value, 2) for value in os.getloadavg()]
        for threads in args.threads:
            args.current_threads = threads
            server = Server(env, home, workers=args.workers, threads=threads)
            args.server_pid = server.process.pid
            try:
                server.wait_ready()
                log(f"khata serve on :{server.port}, {args.workers} workers × {threads} threads")
                for endpoint in args.endpoints:
                    headers = {"Host": f"{HOST}:{server.port}"}
                    if endpoint.auth == "token":
                        headers["Authorization"] = f"Bearer {tokens[endpoint.user]}"
                    elif endpoint.auth == "session":
                        if endpoint.user not in sessions:
                            sessions[endpoint.user] = sign_in(server.port,
                                                              *DEMO_ACCOUNTS[endpoint.user])
                        headers["Cookie"] = sessions[endpoint.user]
                    if endpoint.body is not None:
                        headers["Content-Type"] = "application/json"
                    for clients in args.clients:
                        cell = measure(server.port, endpoint, headers, clients=clients,
                                       args=args)
                        cells.append(cell)
                        log(f"  {endpoint.name:<28} c={clients:<2} t={threads:<2} "
                            f"n={cell['requests']:>7,} err={cell['errors']:<4} "
                            f"{cell['rps']:>8,.0f} req/s  p50 {cell['p50_ms']:6.1f}  "
                            f"p95 {cell['p95_ms']:6.1f}  p99 {cell['p99_ms']:6.1f} ms  "
                            f"cpu srv {cell['server_cpu_pct']}% db {cell['db_cpu_pct']}% "
                            f"bench {cell['bench_cpu_pct']}% other {cell['other_cpu_pct']}%"
                            + (f" ({len(cell['attempts'])} attempts)"
                               if len(cell["attempts"]) > 1 else ""))
                        for sample in cell["error_samples"]:
                            log(f"    error: {sample}")
                        if server.process.poll() is not None:
                            raise SystemExit(f"bench: the server died:\n{server.log_tail()}")
            finally:
                server.stop()
                problems = [line for line in server.log_path.read_text(errors="replace")
                            .splitlines() if "Traceback" in line or "ERROR" in line]
                server_errors += problems[:20]
                if problems:
                    log(f"  the server logged {len(problems)} error line(s), the first 20 are "
                        f"in the JSON (first: {problems[0][:200]})")
        return {
            "meta": {"db": db, "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                     "companies": args.companies, "leads": args.leads, "seed": args.seed,
                     "duration": args.duration, "warmup": args.warmup,
                     "workers": args.workers, "threads": args.threads,
                     "clients": args.clients, "demo_seconds": round(demo_seconds, 1),
                     "load_before": load_before, "revision": revision,
                     "section": args.section, "analyzed": analyze, "reused": reuse,
                     "quiet_cpu": args.quiet_cpu,
                     "quiet_wait": args.quiet_wait, "retries": args.retries},
            "machine": machine_facts(),
            "server_errors": server_errors,
            "facts": facts,
            "endpoints": [asdict(endpoint) for endpoint in args.endpoints],
            "cells": cells,
        }
    finally:
        if reuse:
            log(f"left {home} and its data as they were")
        elif args.keep:
            log(f"kept {home}" + (f" and the database {database_url}" if db == "postgres"
                                  else ""))
        else:
            shutil.rmtree(home, ignore_errors=True)
            if db == "postgres":
                recreate_postgres(database_url, drop_only=True)


def int_list(text: str) -> list[int]:
    values = [int(item) for item in text.split(",") if item.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive integers")
    return values


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite",
                        help="sqlite, postgres, or both as sqlite,postgres (default sqlite)")
    parser.add_argument("--companies", type=int, default=1000,
                        help="companies for `khata demo` to generate (default 1000)")
    parser.add_argument("--leads", type=int, default=None,
                        help="leads for `khata demo` to generate (default: half the companies)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--duration", type=float, default=10,
                        help="seconds of measured load per endpoint and client count")
    parser.add_argument("--warmup", type=float, default=1,
                        help="seconds of unmeasured load before each cell (default 1)")
    parser.add_argument("--clients", type=int_list, default=[1, 8],
                        help="concurrent clients, comma-separated (default 1,8)")
    parser.add_argument("--workers", type=int, default=2, help="granian workers (default 2)")
    parser.add_argument("--threads", type=int_list, default=[4],
                        help="granian threads per worker; a list such as 1,2,4,8 sweeps it "
                             "(default 4)")
    parser.add_argument("--max-requests", type=int, default=200_000,
                        help="request budget per cell, shared by its clients (default 200000)")
    parser.add_argument("--timeout", type=float, default=10, help="seconds per request")
    parser.add_argument("--quiet-cpu", type=float, default=25,
                        help="on a shared machine: CPU %% of one core other processes may use "
                             "before and during a cell (default 25)")
    parser.add_argument("--quiet-wait", type=float, default=60,
                        help="seconds to wait for that before each cell, then go anyway "
                             "(0: never wait; default 60)")
    parser.add_argument("--retries", type=int, default=2,
                        help="measure a disturbed cell again up to this many times, keep the "
                             "least disturbed attempt (default 2)")
    parser.add_argument("--only", default="",
                        help="measure only endpoints whose name contains this text (or one of "
                             "several, comma-separated)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help=f"PostgreSQL database to drop and recreate (default {DEFAULT_PG_URL})")
    parser.add_argument("--no-write", action="store_true",
                        help="do not touch docs/benchmarks.md (raw JSON is still saved)")
    parser.add_argument("--section", default="",
                        help="write the table between <!-- bench:SECTION-DB --> markers instead "
                             "of <!-- bench:DB --> (e.g. --section threads for a sweep)")
    parser.add_argument("--analyze", choices=["auto", "yes", "no"], default="auto",
                        help="run ANALYZE after generating the data: auto does it on PostgreSQL "
                             "(what autovacuum would do soon after a bulk load), not on SQLite "
                             "(which never gathers statistics by itself)")
    parser.add_argument("--source", default="worktree",
                        help="the code to measure: worktree (a copy of src/ taken at the start, "
                             "default) or a git revision such as HEAD")
    parser.add_argument("--render", nargs="+", metavar="JSON", default=[],
                        help="measure nothing: write the tables of saved results (bench/results/"
                             "*.json) into docs/benchmarks.md again")
    parser.add_argument("--home", default=None,
                        help="measure the data kept by an earlier run (--keep) in this "
                             "KHATA_HOME instead of generating it again (for PostgreSQL the "
                             "kept --pg-url database); runs `khata migrate` first, deletes "
                             "nothing; one --db only")
    parser.add_argument("--keep", action="store_true",
                        help="keep KHATA_HOME (and the PostgreSQL database) afterwards")
    args = parser.parse_args(argv)

    databases = [db.strip() for db in args.db.split(",") if db.strip()]
    if not databases or set(databases) - {"sqlite", "postgres"}:
        parser.error("--db takes sqlite, postgres or sqlite,postgres")
    if args.companies < 0 or args.duration <= 0 or args.max_requests < 1:
        parser.error("--companies must be ≥ 0, --duration > 0 and --max-requests ≥ 1")
    local_only(args.pg_url)
    if args.home and len(databases) != 1:
        parser.error("--home takes the data of one database: give one --db")
    wanted = [text.strip().lower() for text in args.only.split(",")]
    args.endpoints = [e for e in ENDPOINTS if any(text in e.name.lower() for text in wanted)]
    if not args.endpoints:
        parser.error(f"no endpoint name contains {args.only!r}")

    if args.render:
        for path in args.render:
            report = json.loads(Path(path).read_text())
            section = report["meta"].get("section", args.section) or args.section
            db = report["meta"]["db"]
            key = f"{section}-{db}" if section else db
            write_doc(key, markdown_section(report))
            log(f"{path}: table written to {DOC.relative_to(REPO)} (<!-- bench:{key} -->)")
        return
    # A terminated run still stops its server and removes its folder and database.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for db in databases:
        report = bench_database(db, args)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        raw = RESULTS_DIR / f"{db}-{args.companies}-{stamp}.json"
        raw.write_text(json.dumps(report, indent=2) + "\n")
        log(f"raw results: {raw.relative_to(REPO)}")
        if not args.no_write:
            key = f"{args.section}-{db}" if args.section else db
            write_doc(key, markdown_section(report))
            log(f"table written to {DOC.relative_to(REPO)} (<!-- bench:{key} -->)")


if __name__ == "__main__":
    main()

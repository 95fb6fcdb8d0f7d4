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
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
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
    Endpoint("page: Today (manager)", "/", auth="session"),
    Endpoint("page: Today (head)", "/", auth="session", user="head"),
    Endpoint("page: change log (head)", "/audit/", auth="session", user="head"),
    # When companies arrive, e.g.:
    # Endpoint("API: company search", "/api/v1/companies?q=sha", auth="token", user="head"),
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


def khata_env(home: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
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
from django.apps import apps
from django.db import connection
rows = {}
for model in apps.get_models():
    if model.__module__.startswith("khata.") and not model._meta.proxy:
        rows[model._meta.label] = model._base_manager.count()
with connection.cursor() as cursor:
    if connection.vendor == "sqlite":
        cursor.execute("select sqlite_version()")
        database = "SQLite " + cursor.fetchone()[0]
    else:
        cursor.execute("show server_version")
        database = "PostgreSQL " + cursor.fetchone()[0].split()[0]
print(json.dumps({"python": platform.python_version(), "django": django.get_version(),
                  "granian": granian.__version__, "database": database, "rows": rows}))
"""


def system_facts(env: dict) -> dict:
    """Versions and row counts, asked of Khata's own settings in a child process."""
    done = subprocess.run([sys.executable, "-c", FACTS_SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: could not read the data size:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


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


@dataclass
class CpuSnapshot:
    """CPU seconds used so far: the whole machine busy, this script, the server's process
    tree, and the PostgreSQL backends serving the benchmark database (Linux /proc)."""

    busy: float
    bench: float
    server: float
    database: float

    @classmethod
    def take(cls, server_pid: int, pg_database: str | None) -> CpuSnapshot:
        tick = os.sysconf("SC_CLK_TCK")
        busy = machine_busy_cpu()
        parent, used, database = {}, {}, 0.0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()
                seconds = (int(fields[11]) + int(fields[12])) / tick
                if pg_database and stat[stat.index("(") + 1:stat.rindex(")")] == "postgres":
                    # a backend's title reads "postgres: USER DATABASE HOST(PORT) STATE"
                    title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").split()
                    if len(title) > 2 and title[2].decode(errors="replace") == pg_database:
                        database += seconds
            except (OSError, ValueError, IndexError):
                continue
            parent[int(entry.name)] = int(fields[1])
            used[int(entry.name)] = seconds
        server = 0.0
        for pid, seconds in used.items():
            node, hops = pid, 0
            while node and node != server_pid and hops < 64:
                node, hops = parent.get(node, 0), hops + 1
            if node == server_pid:
                server += seconds
        return cls(busy=busy, bench=sum(os.times()[:2]), server=server, database=database)

    def since(self, earlier: CpuSnapshot, seconds: float) -> dict[str, int]:
        """% of one core each part used between `earlier` and this snapshot."""
        parts = {"server": self.server - earlier.server, "bench": self.bench - earlier.bench,
                 "database": self.database - earlier.database}
        parts["other"] = max(0.0, self.busy - earlier.busy - sum(parts.values()))
        return {name: round(100 * value / max(seconds, 1e-9)) for name, value in parts.items()}


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
    users = rows.get("team.User")
    size = (f"`--companies {meta['companies']:,}` (seed {meta['seed']}): "
            f"{users if users is not None else '?':,} users, "
            + (f"{companies:,} companies, " if companies is not None
               else "no companies table yet, ")
            + f"{sum(rows.values()):,} rows in all Khata tables")
    threads = sorted({cell["threads"] for cell in report["cells"]})
    lines = [
        f"**{facts['database']}** · {meta['date']} · {machine['nproc']} cores "
        f"({machine['cpu']}), {machine['ram_gib']} GiB RAM · Python {facts['python']}, "
        f"Django {facts['django']}, granian {facts['granian']} · `khata serve --workers "
        f"{meta['workers']} --threads {','.join(map(str, threads))}` · data: {size} "
        f"(generated in {meta['demo_seconds']:.0f} s) · {meta['duration']:g} s per cell after "
        f"{meta['warmup']:g} s warm-up; load average before the run "
        f"{meta['load_before'][0]:.2f} · client and server on the same machine "
        "(CPU columns: % of one core during the cell; *db* is the PostgreSQL backends of the "
        "benchmark database, *other* is everything else running on the machine)",
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


def bench_database(db: str, args) -> dict:
    home = Path(tempfile.mkdtemp(prefix=f"khata-bench-{db}-"))
    if db == "postgres":
        database_url = args.pg_url
        args.pg_database = urllib.parse.urlparse(database_url).path.lstrip("/")
        recreate_postgres(database_url)
    else:
        database_url = f"sqlite:///{home / 'khata.sqlite3'}"
        args.pg_database = None
    env = khata_env(home, database_url)
    log(f"\n== {db}: KHATA_HOME={home}")
    try:
        log(f"generating data: khata demo --no-serve --companies {args.companies} "
            f"--seed {args.seed}")
        began = time.perf_counter()
        khata(env, "demo", "--no-serve", "--companies", str(args.companies),
              "--seed", str(args.seed))
        demo_seconds = time.perf_counter() - began
        facts = system_facts(env)
        log(f"  {facts['database']}; rows: {facts['rows']}; {demo_seconds:.1f} s")
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
                if problems:
                    log(f"  the server logged {len(problems)} error line(s); see "
                        f"{server.log_path} (first: {problems[0][:200]})")
        return {
            "meta": {"db": db, "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                     "companies": args.companies, "seed": args.seed,
                     "duration": args.duration, "warmup": args.warmup,
                     "workers": args.workers, "threads": args.threads,
                     "clients": args.clients, "demo_seconds": round(demo_seconds, 1),
                     "load_before": load_before, "quiet_cpu": args.quiet_cpu,
                     "quiet_wait": args.quiet_wait, "retries": args.retries},
            "machine": machine_facts(),
            "facts": facts,
            "endpoints": [asdict(endpoint) for endpoint in args.endpoints],
            "cells": cells,
        }
    finally:
        if args.keep:
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
                        help="measure only endpoints whose name contains this text")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL,
                        help=f"PostgreSQL database to drop and recreate (default {DEFAULT_PG_URL})")
    parser.add_argument("--no-write", action="store_true",
                        help="do not touch docs/benchmarks.md (raw JSON is still saved)")
    parser.add_argument("--keep", action="store_true",
                        help="keep KHATA_HOME (and the PostgreSQL database) afterwards")
    args = parser.parse_args(argv)

    databases = [db.strip() for db in args.db.split(",") if db.strip()]
    if not databases or set(databases) - {"sqlite", "postgres"}:
        parser.error("--db takes sqlite, postgres or sqlite,postgres")
    if args.companies < 0 or args.duration <= 0 or args.max_requests < 1:
        parser.error("--companies must be ≥ 0, --duration > 0 and --max-requests ≥ 1")
    local_only(args.pg_url)
    args.endpoints = [e for e in ENDPOINTS if args.only.lower() in e.name.lower()]
    if not args.endpoints:
        parser.error(f"no endpoint name contains {args.only!r}")

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for db in databases:
        report = bench_database(db, args)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        raw = RESULTS_DIR / f"{db}-{args.companies}-{stamp}.json"
        raw.write_text(json.dumps(report, indent=2) + "\n")
        log(f"raw results: {raw.relative_to(REPO)}")
        if not args.no_write:
            write_doc(db, markdown_section(report))
            log(f"table written to {DOC.relative_to(REPO)} (<!-- bench:{db} -->)")


if __name__ == "__main__":
    main()

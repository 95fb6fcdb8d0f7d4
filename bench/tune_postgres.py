#!/usr/bin/env python
"""Size the local PostgreSQL server as docs/deployment.md says, or put it back as it was.

    .venv/bin/python bench/tune_postgres.py            # show the settings that matter
    .venv/bin/python bench/tune_postgres.py --apply    # sized for this machine, then restart
    .venv/bin/python bench/tune_postgres.py --reset    # the server's own defaults, then restart

A fresh PostgreSQL starts with 128 MB of shared buffers and a checkpoint for every gigabyte of
WAL, whatever the machine: at a million companies every index page an import touches is then
read back in from the operating system and written whole to the WAL again after each
checkpoint. The benchmarks are run both ways and say which (`bench/run.py` records the
settings with the figures). `--apply` and `--reset` use `ALTER SYSTEM` (written to
postgresql.auto.conf) and restart the server with `pg_ctlcluster`, so they are for a server on
this machine that the benchmarks own; never part of the test suite.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402  (bench/run.py: the local-only guard and the default URL)

SHOWN = ("shared_buffers", "effective_cache_size", "max_wal_size", "checkpoint_timeout",
         "wal_compression", "maintenance_work_mem", "autovacuum")

DEFAULT_ADMIN_URL = bench.DEFAULT_PG_URL.rsplit("/", 1)[0] + "/postgres"


def sized_settings() -> dict[str, str]:
    """docs/deployment.md's sizes for this machine's RAM."""
    ram_mib = int(bench.machine_facts()["ram_gib"] * 1024)  # /proc/meminfo
    return {
        "shared_buffers": f"{ram_mib // 4}MB",
        "effective_cache_size": f"{ram_mib * 3 // 4}MB",
        "max_wal_size": "8GB",
        "checkpoint_timeout": "15min",
        "wal_compression": "on",
        "maintenance_work_mem": "1GB",
    }


def psql(url: str, *statements: str) -> str:
    command = ["psql", url, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    for statement in statements:
        command += ["-c", statement]
    return subprocess.run(command, capture_output=True, text=True, check=True,
                          timeout=120).stdout


def restart() -> None:
    version = psql(DEFAULT_ADMIN_URL, "show server_version_num").strip()[:2]
    subprocess.run(["pg_ctlcluster", version, "main", "restart"], check=True, timeout=300)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--apply", action="store_true", help="size the server for this machine")
    group.add_argument("--reset", action="store_true", help="back to the server's defaults")
    args = parser.parse_args(argv)
    bench.local_only(DEFAULT_ADMIN_URL)
    if args.apply:
        psql(DEFAULT_ADMIN_URL, *(f"ALTER SYSTEM SET {name} = '{value}'"
                                  for name, value in sized_settings().items()))
        restart()
    elif args.reset:
        psql(DEFAULT_ADMIN_URL, *(f"ALTER SYSTEM RESET {name}" for name in sized_settings()))
        restart()
    for name in SHOWN:
        print(f"{name} = {psql(DEFAULT_ADMIN_URL, f'show {name}').strip()}")


if __name__ == "__main__":
    main()

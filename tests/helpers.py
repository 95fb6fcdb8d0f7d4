"""Helpers for tests that start real `khata` processes."""

import os
import subprocess
import sys

from django.db import connection


def shared_database_url() -> str:
    """The URL of the database pytest created, for a child process to share it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


# Set by the test run itself (pytest-django, the browser tests); a real `khata` never has them.
TEST_ONLY_VARIABLES = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")


def child_env(extra: dict | None = None) -> dict:
    """The environment a child `khata` process gets: ours, minus test-only variables."""
    env = {**os.environ, **(extra or {})}
    for name in TEST_ONLY_VARIABLES:
        env.pop(name, None)
    return env


def khata(*args: str, env: dict | None = None, timeout: int = 60) -> subprocess.CompletedProcess:
    """Run the `khata` command in a child process and capture what it prints."""
    full_env = child_env(env)
    return subprocess.run([sys.executable, "-m", "khata", *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout, check=False)


def shared_env() -> dict:
    """Environment for a child `khata` process that shares this test run's database and queue."""
    from django.conf import settings

    env = {"KHATA_DATABASE_URL": shared_database_url()}
    if settings.HUEY.get("huey_class") == "huey.PostgresHuey":
        env["KHATA_TASKS"] = settings.HUEY["dsn"]  # the queue stays where this process sends
    return env


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_khata(*args: str, env: dict | None = None) -> subprocess.Popen:
    """Start a long-running `khata` process (server or worker) sharing the test database."""
    full_env = child_env({**shared_env(), **(env or {})})
    return subprocess.Popen([sys.executable, "-m", "khata", *args], env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop(process: subprocess.Popen) -> str:
    """Stop a process started by `start_khata` and return what it printed."""
    import signal

    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=15)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]

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


def khata(*args: str, env: dict | None = None, timeout: int = 60) -> subprocess.CompletedProcess:
    """Run the `khata` command in a child process and capture what it prints."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-m", "khata", *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout, check=False)

"""The `khata` command: a friendly front to Django's management commands.

Every subcommand is a management command underneath (`khata serve` runs
core/management/commands/serve.py); this module only adds the overview, the settings module,
a check that the database answers and is migrated, and one-line errors instead of tracebacks.
"""

import os
import sys

COMMANDS = {
    "demo": "set up demo data and run the worker and web server (start here)",
    "serve": "run the production web server (granian)",
    "worker": "run background tasks",
    "migrate": "create or update the database tables",
    "user": "appoint, list, dismiss users, change a role (user add EMAIL --role manager)",
    "absence": "record who is away and who covers (absence add EMAIL --substitute EMAIL …)",
    "portfolio": "give companies to a manager, by id or filter (portfolio assign --to EMAIL …)",
    "token": "create, list or revoke API tokens (token create EMAIL)",
    "plans": "contact plans: make the tasks of steps now due (plans advance), list them",
    "figures": "count the analysis pages' figures now (figures refresh), or show their age",
    "import": "import companies, contacts (also vCard), products, leads, statements or invoices",
    "score": "assess companies' reliability in batches (score --all | --due | --segment ID)",
    "export": "export companies or contacts to CSV or XLSX",
    "check": "check the configuration (check --deploy for production)",
    "shell": "a Python shell with Khata loaded",
    "createsuperuser": "add a support superuser",
}
# Commands that work on an empty or outdated database (they create or inspect it).
NO_MIGRATION_CHECK = {
    "migrate", "check", "shell", "makemigrations", "showmigrations", "demo", "serve", "worker",
    "dbshell", "sqlmigrate", "collectstatic", "help", "version", "test", "compilemessages",
    "makemessages", "diffsettings", "squashmigrations",
}


def _overview() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: khata COMMAND [options]   (khata COMMAND --help for its options)", "",
             "Khata, the CRM for account managers. Commands:"]
    lines += [f"  {name:<{width}}  {text}" for name, text in COMMANDS.items()]
    lines += ["", "Configuration comes from KHATA_* environment variables (see README)."]
    return "\n".join(lines)


def _fail(message: str) -> None:
    print(f"khata: {message}", file=sys.stderr)
    raise SystemExit(1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)


def _redacted_database() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return str(db["NAME"])
    return f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db.get('NAME')}"


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"} and len(argv) == 1:
        print(_overview())
        return
    if argv[0] in {"--version", "version"}:
        from khata import __version__

        print(f"khata {__version__}")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khata.config.settings")
    try:
        import django

        django.setup()
    except Exception as exc:  # a bad KHATA_* value must read as one line, not a traceback
        if "connection" in type(exc).__name__.lower() or "connection failed" in str(exc):
            # PostgresHuey and RedisHuey connect while Django starts.
            _fail(f"cannot reach the task queue (KHATA_TASKS): {_first_line(exc)}")
        _fail(f"configuration error: {_first_line(exc)}")

    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    command = argv[0]
    wants_help = any(arg in {"-h", "--help"} for arg in argv[1:])
    if command not in NO_MIGRATION_CHECK and not wants_help:
        from khata.core.migrations_state import pending_migrations

        try:
            pending = pending_migrations()
        except DatabaseError as exc:
            _fail(f"cannot reach the database {_redacted_database()}: "
                  f"{str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}")
        if pending:
            _fail(f"the database is not up to date ({len(pending)} migration(s) pending). "
                  "Run `khata migrate` first.")
    try:
        execute_from_command_line(["khata", *argv])
    except DatabaseError as exc:
        if "--traceback" in argv:
            raise
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        _fail(f"database error on {_redacted_database()}: {first_line}")
    except KeyboardInterrupt:
        print("\nkhata: stopped.", file=sys.stderr)
        raise SystemExit(130) from None

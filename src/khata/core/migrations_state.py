"""Is the database reachable and fully migrated? Used by the CLI before serving or writing."""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Names of migrations not yet applied ("app.0002_name"); raises if the DB is unreachable."""
    connection = connections[alias]
    connection.ensure_connection()
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]

"""Database upkeep after bulk writes."""

from django.db import connection


def refresh_statistics(*tables: str) -> None:
    """Let the query planner see what a bulk insert added (ANALYZE).

    Without it PostgreSQL plans a freshly filled table as if it held a dozen rows until
    autovacuum catches up (measured: the first company page took 2 s instead of 35 ms at
    100,000 companies); SQLite plans better with its statistics too.
    """
    with connection.cursor() as cursor:
        if not tables:
            cursor.execute("ANALYZE")
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")

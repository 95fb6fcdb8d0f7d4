"""Database-specific speed-ups for searching companies by a fragment of their name.

The plain ORM query (`display_name__icontains`) is correct everywhere but scans every row.
- PostgreSQL: trigram GIN indexes (pg_trgm) on exactly the expressions Django's `icontains`,
  `iexact` and `endswith` lookups produce, so the same ORM query uses them.
- SQLite: an FTS5 table with the trigram tokenizer, kept in step by triggers, answers
  `LIKE '%fragment%'` from its index; `name_condition` uses it for fragments of 3+ characters.
Both are optional: without them (an old SQLite, no right to create an extension) search still
works, only slower. `ensure_search_indexes` is idempotent and runs after every migrate, so a
table rebuilt by a later migration gets its triggers back.
"""

import logging

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

logger = logging.getLogger(__name__)

FTS_TABLE = "clients_company_search"
_INSERT_NEW = (f"INSERT INTO {FTS_TABLE}(rowid, display_name, legal_name) "
               "VALUES (new.id, new.display_name, new.legal_name);")
_DELETE_OLD = (f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, display_name, legal_name) "
               "VALUES ('delete', old.id, old.display_name, old.legal_name);")
SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_ai": f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai "
                       f"AFTER INSERT ON clients_company BEGIN {_INSERT_NEW} END",
    f"{FTS_TABLE}_ad": f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad "
                       f"AFTER DELETE ON clients_company BEGIN {_DELETE_OLD} END",
    f"{FTS_TABLE}_au": f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au "
                       f"AFTER UPDATE OF display_name, legal_name ON clients_company "
                       f"BEGIN {_DELETE_OLD} {_INSERT_NEW} END",
}
POSTGRES_INDEXES = [
    "CREATE INDEX IF NOT EXISTS company_name_trgm ON clients_company "
    "USING gin ((UPPER(display_name::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS company_legal_name_trgm ON clients_company "
    "USING gin ((UPPER(legal_name::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS company_registration_upper ON clients_company "
    "((UPPER(registration_number::text)))",
    "CREATE INDEX IF NOT EXISTS company_domain_upper ON clients_company "
    "((UPPER(domain::text)) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS contact_email_upper ON clients_contact ((UPPER(email::text)))",
    "CREATE INDEX IF NOT EXISTS contact_email_alt_upper ON clients_contact "
    "((UPPER(email_alt::text)))",
    "CREATE INDEX IF NOT EXISTS contact_phone_trgm ON clients_contact "
    "USING gin ((phone::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contact_mobile_trgm ON clients_contact "
    "USING gin ((mobile::text) gin_trgm_ops)",
]


def ensure_search_indexes(using_connection=None) -> bool:
    """Create (or repair) the search indexes of this database; True when they are in place."""
    conn = using_connection or connection
    try:
        with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                # Rows written earlier in this transaction would block CREATE INDEX.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                for statement in POSTGRES_INDEXES:
                    cursor.execute(statement)
                return True
            if conn.vendor == "sqlite":
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                    [f"{FTS_TABLE}_%"])
                present = {row[0] for row in cursor.fetchall()}
                cursor.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(display_name, "
                    f"legal_name, content='clients_company', content_rowid='id', "
                    f"tokenize='trigram')")
                for statement in SQLITE_TRIGGERS.values():
                    cursor.execute(statement)
                if present != set(SQLITE_TRIGGERS):  # new, or triggers lost with a table rebuild
                    cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
                return True
    except DatabaseError as exc:
        logger.warning("Name search runs without its index on %s: %s", conn.vendor, exc)
    return False


_SQLITE_READY: dict[str, bool] = {}


def _sqlite_index_ready() -> bool:
    name = str(connection.settings_dict["NAME"])
    if name not in _SQLITE_READY:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [FTS_TABLE])
            _SQLITE_READY[name] = cursor.fetchone() is not None
    return _SQLITE_READY[name]


def name_condition(q: str) -> Q:
    """Companies whose name or legal name contains `q` (any case), by the fastest path."""
    if (connection.vendor == "sqlite" and len(q) >= 3 and not set(q) & {"%", "_", "\\"}
            and _sqlite_index_ready()):
        pattern = f"%{q}%"
        return Q(pk__in=RawSQL(
            f"SELECT rowid FROM {FTS_TABLE} WHERE display_name LIKE %s OR legal_name LIKE %s",
            [pattern, pattern]))
    return Q(display_name__icontains=q) | Q(legal_name__icontains=q)

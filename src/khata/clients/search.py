"""Database-specific speed-ups for the one search box (name, e-mail, phone, tax number, domain).

The plain ORM query (`display_name__icontains`) is correct everywhere but scans every row.
- PostgreSQL: trigram GIN indexes (pg_trgm) on exactly the expressions Django's `icontains`,
  `iexact` and `endswith` lookups produce, so the same ORM query uses them.
- SQLite: an FTS5 table with the trigram tokenizer, kept in step by triggers, answers a quoted
  phrase (`MATCH '"mann"'`) from its index; `name_condition` uses it for fragments of 3+
  characters (trigrams need three). Expression indexes serve e-mail (any case), the last ten
  digits of a phone and the registration number.
Both are optional: without them (an old SQLite, no right to create an extension) search still
works, only slower. `ensure_search_indexes` is idempotent and runs after every migrate, so a
table rebuilt by a later migration gets its triggers back.

A search ORs several questions (name, tax number, a contact's e-mail…). One WHERE clause with
all of them makes both databases give up their indexes and walk the table, so `ids_matching_any`
asks each question separately, by its own index, and joins the answers with UNION.
"""

import logging

from django.db import DatabaseError, connection, transaction
from django.db.models import Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper

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
# Written exactly as the queries below write them, or SQLite will not match the expression.
SQLITE_INDEXES = [
    "CREATE INDEX IF NOT EXISTS company_registration_upper ON clients_company "
    "(UPPER(registration_number))",
    "CREATE INDEX IF NOT EXISTS contact_email_upper ON clients_contact (UPPER(email))",
    "CREATE INDEX IF NOT EXISTS contact_email_alt_upper ON clients_contact (UPPER(email_alt))",
    "CREATE INDEX IF NOT EXISTS contact_phone_tail ON clients_contact (substr(phone, -10))",
    "CREATE INDEX IF NOT EXISTS contact_mobile_tail ON clients_contact (substr(mobile, -10))",
]
SQLITE_INDEX_NAMES = ["company_registration_upper", "contact_email_upper",
                      "contact_email_alt_upper", "contact_phone_tail", "contact_mobile_tail"]


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
                for statement in [*SQLITE_TRIGGERS.values(), *SQLITE_INDEXES]:
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


def _fts_phrase(q: str) -> str:
    """`q` as one FTS5 string (a phrase): inside double quotes every character is literal."""
    return '"' + q.replace('"', '""') + '"'


def name_condition(q: str) -> Q:
    """Companies whose name or legal name contains `q` (any case), by the fastest path."""
    if connection.vendor == "sqlite" and len(q) >= 3 and _sqlite_index_ready():
        return Q(pk__in=RawSQL(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [_fts_phrase(q)]))
    return Q(display_name__icontains=q) | Q(legal_name__icontains=q)


Piece = tuple[str, list]


def _piece(queryset: QuerySet) -> Piece:
    sql, params = queryset.order_by().query.sql_with_params()
    return sql, list(params)


def name_ids(q: str) -> Piece:
    """Ids of companies (deleted ones too) whose name or legal name contains `q`."""
    from khata.clients.models import Company

    if connection.vendor == "sqlite" and len(q) >= 3 and _sqlite_index_ready():
        return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [_fts_phrase(q)]
    return _piece(Company.all_objects.filter(name_condition(q)).values("id"))


def tax_number_ids(compact: str) -> Piece:
    """Ids of companies with exactly this (normalised) tax number."""
    from khata.clients.models import Company

    return _piece(Company.all_objects.filter(tax_number=compact).values("id"))


def registration_ids(q: str) -> Piece:
    """Ids of companies whose registration number is `q` in any case."""
    from khata.clients.models import Company

    return _piece(Company.all_objects.annotate(registration_upper=Upper("registration_number"))
                  .filter(registration_upper=Upper(Value(q))).values("id"))


def domain_ids(prefix: str, *, exact: bool = False) -> Piece:
    """Ids of companies whose web domain (stored in lower case) is or starts with `prefix`."""
    from khata.clients.models import Company

    prefix = prefix.lower()
    companies = Company.all_objects.values("id")
    if exact:
        return _piece(companies.filter(domain=prefix))
    if connection.vendor == "sqlite":
        # SQLite's LIKE cannot use a plain index; a range of the (binary) index can.
        return _piece(companies.filter(domain__gte=prefix, domain__lt=prefix + "\U0010ffff",
                                       domain__startswith=prefix))
    return _piece(companies.filter(domain__istartswith=prefix))


def email_company_ids(email: str) -> list[Piece]:
    """Ids of companies with a live contact whose e-mail or other e-mail is `email` (any case)."""
    from khata.clients.models import Contact

    return [_piece(Contact.objects.annotate(address=Upper(column))
                   .filter(address=Upper(Value(email))).values("company_id"))
            for column in ("email", "email_alt")]


def phone_company_ids(tail: str) -> list[Piece]:
    """Ids of companies with a live contact whose phone or mobile (E.164) ends with `tail`."""
    from khata.clients.models import Contact

    if connection.vendor == "sqlite" and len(tail) == 10:
        return [(f"SELECT company_id FROM clients_contact WHERE substr({column}, -10) = %s "
                 f"AND deleted_at IS NULL", [tail]) for column in ("phone", "mobile")]
    return [_piece(Contact.objects.filter(**{f"{column}__endswith": tail}).values("company_id"))
            for column in ("phone", "mobile")]


def ids_matching_any(pieces: list[Piece]) -> Q:
    """Rows whose id is in any of the pieces' answers: one UNION, each piece on its index."""
    sql = " UNION ".join(piece_sql for piece_sql, _params in pieces)
    return Q(pk__in=RawSQL(sql, [param for _sql, params in pieces for param in params]))


def name_prefix_ids(words: set[str]) -> list[Piece]:
    """Ids of companies whose name may start with one of `words` (a superset on SQLite, where
    the trigram table finds the word anywhere in the name: the caller checks the start).

    SQLite cannot use an index for `LIKE 'word%'` (case-insensitive), so the import's
    duplicate check asked it to read the whole company table a hundred words at a time."""
    from khata.clients.models import Company

    words = sorted(word for word in words if word)
    pieces: list[Piece] = []
    if connection.vendor == "sqlite" and _sqlite_index_ready():
        long = [word for word in words if len(word) >= 3]
        words = [word for word in words if len(word) < 3]
        if long:
            match = "display_name : (" + " OR ".join(map(_fts_phrase, long)) + ")"
            pieces.append((f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
                           [match]))
    for start in range(0, len(words), 100):  # SQLite limits an expression's depth
        condition = Q(pk__in=[])
        for word in words[start:start + 100]:
            condition |= Q(display_name__istartswith=word)
        pieces.append(_piece(Company.all_objects.filter(condition).values("id")))
    return pieces

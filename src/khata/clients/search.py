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
from collections.abc import Iterable
from dataclasses import dataclass

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
    # The import's fuzzy-duplicate candidates (`name_block_matches`); it replaced a btree on
    # name prefixes across all cities, which returned most of a city-less word's companies.
    "DROP INDEX IF EXISTS company_name_prefix",
    "CREATE INDEX IF NOT EXISTS company_name_block ON clients_company "
    "((UPPER(city::text)), (SUBSTR(UPPER(display_name::text), 1, 4)))",
    # The domain prefix search uses the model's pattern index (company_domain_idx).
    "DROP INDEX IF EXISTS company_domain_upper",
    "CREATE INDEX IF NOT EXISTS contact_email_upper ON clients_contact ((UPPER(email::text)))",
    # The contacts list's search box (name or job title fragment): without them it read all
    # 3,000,000 contacts for the head (1.2 s); with them 2-140 ms.
    "CREATE INDEX IF NOT EXISTS contact_name_trgm ON clients_contact "
    "USING gin ((UPPER(name::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contact_title_trgm ON clients_contact "
    "USING gin ((UPPER(job_title::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contact_email_alt_upper ON clients_contact "
    "((UPPER(email_alt::text)))",
    "CREATE INDEX IF NOT EXISTS contact_phone_trgm ON clients_contact "
    "USING gin ((phone::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS contact_mobile_trgm ON clients_contact "
    "USING gin ((mobile::text) gin_trgm_ops)",
    # Not partial: PostgreSQL keeps statistics of an index's expression only for whole-table
    # indexes, and without them it expected 12,000 rows for one number (and scanned).
    "CREATE INDEX IF NOT EXISTS contact_phone_tail ON clients_contact ((right(phone::text, 10)))",
    "CREATE INDEX IF NOT EXISTS contact_mobile_tail ON clients_contact "
    "((right(mobile::text, 10)))",
]
# Written exactly as the queries below write them, or SQLite will not match the expression.
# Partial (no empty values): most companies have no registration number and most contacts no
# second e-mail or mobile, and ANALYZE's average then made SQLite believe one lookup returns
# every row, so it walked the name index instead (1.4 s for an e-mail at 1,000,000 companies).
SQLITE_INDEXES = [
    "CREATE INDEX IF NOT EXISTS company_name_block ON clients_company "
    "(UPPER(city), SUBSTR(UPPER(display_name), 1, 4))",
    "CREATE INDEX IF NOT EXISTS company_registration_upper ON clients_company "
    "(UPPER(registration_number)) WHERE registration_number != ''",
    "CREATE INDEX IF NOT EXISTS contact_email_upper ON clients_contact (UPPER(email)) "
    "WHERE email != ''",
    "CREATE INDEX IF NOT EXISTS contact_email_alt_upper ON clients_contact (UPPER(email_alt)) "
    "WHERE email_alt != ''",
    "CREATE INDEX IF NOT EXISTS contact_phone_tail ON clients_contact (substr(phone, -10)) "
    "WHERE phone != ''",
    "CREATE INDEX IF NOT EXISTS contact_mobile_tail ON clients_contact (substr(mobile, -10)) "
    "WHERE mobile != ''",
]
SQLITE_INDEX_NAMES = ["company_name_block", "company_registration_upper", "contact_email_upper",
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


def _fts_answers(q: str) -> bool:
    """Whether SQLite's FTS table can answer a name search for `q` (trigrams need three
    characters)."""
    return connection.vendor == "sqlite" and len(q) >= 3 and _sqlite_index_ready()


def _fts_phrase(q: str) -> str:
    """`q` as one FTS5 string (a phrase): inside double quotes every character is literal."""
    return '"' + q.replace('"', '""') + '"'


def name_condition(q: str) -> Q:
    """Companies whose name or legal name contains `q` (any case), by the fastest path."""
    if _fts_answers(q):
        return Q(pk__in=RawSQL(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [_fts_phrase(q)]))
    return name_row_condition(q)


# Letters SQLite's FTS table folds to an ASCII letter and LIKE does not: the Kelvin sign (k)
# and the long s (s).
_FOLDED_TO_ASCII = {"k": "\u212a", "s": "\u017f"}


def name_row_condition(q: str) -> Q:
    """The same question asked of each company row (`LIKE`): what a walk along the name index
    tests. On SQLite it folds the case of ASCII letters only, where the FTS table folds every
    letter, so there the two agree for a fragment written in ASCII, once a name holding one of
    the few other letters folded to ASCII is asked of the FTS table instead."""
    condition = Q(display_name__icontains=q) | Q(legal_name__icontains=q)
    odd = [char for letter, char in _FOLDED_TO_ASCII.items() if letter in q.casefold()]
    if odd and _fts_answers(q):
        holds = Q(pk__in=[])
        for char in odd:
            holds |= Q(display_name__contains=char) | Q(legal_name__contains=char)
        condition |= holds & name_condition(q)
    return condition


def sqlite_name_matches(q: str, *, up_to: int) -> int | None:
    """How many companies' names the SQLite FTS table finds for `q`, counted no further than
    `up_to` (a millisecond for 20,000 at 1,000,000 companies); None where there is no such
    table or `q` is too short for trigrams."""
    if not _fts_answers(q):
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} "
                       f"WHERE {FTS_TABLE} MATCH %s LIMIT %s)", [_fts_phrase(q), up_to])
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class Piece:
    """One question of a search: SQL answering the ids of the companies it finds, and, when it
    asks about the company row itself, the same question as a condition on that row."""

    sql: str
    params: list
    where: Q | None = None


def _piece(queryset: QuerySet, where: Q | None = None) -> Piece:
    sql, params = queryset.order_by().query.sql_with_params()
    return Piece(sql, list(params), where)


def name_ids(q: str) -> Piece:
    """Companies (deleted ones too) whose name or legal name contains `q`."""
    from khata.clients.models import Company

    if _fts_answers(q):
        return Piece(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",
                     [_fts_phrase(q)], name_row_condition(q))
    condition = name_condition(q)
    return _piece(Company.all_objects.filter(condition).values("id"), condition)


def tax_number_ids(compact: str) -> Piece:
    """Companies with exactly this (normalised) tax number."""
    from khata.clients.models import Company

    condition = Q(tax_number=compact)
    return _piece(Company.all_objects.filter(condition).values("id"), condition)


def registration_ids(q: str) -> Piece:
    """Companies whose registration number is `q` in any case."""
    from khata.clients.models import Company

    if connection.vendor == "sqlite":
        return Piece("SELECT id FROM clients_company WHERE UPPER(registration_number) = "
                     "UPPER(%s) AND registration_number != ''", [q])
    condition = Q(registration_number__iexact=q)  # UPPER(…) = UPPER(…): company_registration_upper
    return _piece(Company.all_objects.filter(condition).values("id"), condition)


def domain_ids(prefix: str, *, exact: bool = False) -> Piece:
    """Companies whose web domain (stored in lower case) is or starts with `prefix`."""
    from khata.clients.models import Company

    prefix = prefix.lower()
    if exact:
        condition = Q(domain=prefix)
    elif connection.vendor == "sqlite":
        # SQLite's LIKE cannot use a plain index; a range of the (binary) index can.
        condition = Q(domain__gte=prefix, domain__lt=prefix + "\U0010ffff",
                      domain__startswith=prefix)
    else:
        condition = Q(domain__startswith=prefix)  # company_domain_idx (varchar_pattern_ops)
    return _piece(Company.all_objects.filter(condition).values("id"), condition)


def email_company_ids(email: str) -> list[Piece]:
    """Companies with a live contact whose e-mail or other e-mail is `email` (any case)."""
    from khata.clients.models import Contact

    if connection.vendor == "sqlite":
        return [Piece(f"SELECT company_id FROM clients_contact WHERE UPPER({column}) = "
                      f"UPPER(%s) AND {column} != '' AND deleted_at IS NULL", [email])
                for column in ("email", "email_alt")]
    return [_piece(Contact.objects.annotate(address=Upper(column))
                   .filter(address=Upper(Value(email))).values("company_id"))
            for column in ("email", "email_alt")]


def phone_company_ids(tail: str) -> list[Piece]:
    """Companies with a live contact whose phone or mobile (E.164) ends with `tail`."""
    from khata.clients.models import Contact

    if len(tail) == 10 and connection.vendor in {"sqlite", "postgresql"}:
        # The indexed last ten digits; on PostgreSQL the trigram index answered too, but
        # digits make few distinct trigrams and their lists are long (40 ms at 3M contacts).
        ending = ("substr({0}, -10) = %s AND {0} != ''" if connection.vendor == "sqlite"
                  else "right({0}::text, 10) = %s")
        return [Piece(f"SELECT company_id FROM clients_contact WHERE "
                      f"{ending.format(column)} AND deleted_at IS NULL", [tail])
                for column in ("phone", "mobile")]
    return [_piece(Contact.objects.filter(**{f"{column}__endswith": tail}).values("company_id"))
            for column in ("phone", "mobile")]


def ids_matching_any(pieces: list[Piece]) -> Q:
    """Rows matching any of the pieces, each answered by its own index.

    SQLite: one UNION of the pieces' ids. PostgreSQL: when every piece is a condition on the
    company row, their OR (a BitmapOr of the indexes, and the planner knows how many rows to
    expect); an `id IN (UNION …)` of thousands of ids made it hash-join a scan of the whole
    table (250 ms for `mann` at 1,000,000 companies). Contacts' e-mails and phones are exact,
    small answers: those searches use the UNION on both."""
    if connection.vendor == "postgresql" and all(piece.where is not None for piece in pieces):
        condition = Q(pk__in=[])
        for piece in pieces:
            condition |= piece.where
        return condition
    sql = " UNION ".join(piece.sql for piece in pieces)
    return Q(pk__in=RawSQL(sql, [param for piece in pieces for param in piece.params]))


def rows_matching_any(pieces: list[Piece]) -> Q:
    """The pieces as one condition on each company row (a piece that asks about other tables,
    a contact's e-mail, by its ids): for a query that walks an index in order and tests the
    rows it meets, where a UNION of ids would first collect every match."""
    condition = Q(pk__in=[])
    for piece in pieces:
        condition |= piece.where if piece.where is not None else Q(
            pk__in=RawSQL(piece.sql, piece.params))
    return condition


BLOCK_LETTERS = 4  # a block: one city and the first four letters of the name, in any case
_BLOCK_SQL = {
    # Exactly the company_name_block index's expressions, or the database will not use it.
    "postgresql": ("UPPER(c.city::text)", "SUBSTR(UPPER(c.display_name::text), 1, 4)"),
    "sqlite": ("UPPER(c.city)", "SUBSTR(UPPER(c.display_name), 1, 4)"),
}


def name_block_query(pairs: list[tuple[str, str]]) -> tuple[str, list]:
    """SQL and parameters of `name_block_matches` for one batch of pairs whose names have a
    whole block's letters."""
    city_sql, name_sql = _BLOCK_SQL.get(connection.vendor, _BLOCK_SQL["sqlite"])
    if connection.vendor == "postgresql":
        # Two arrays, not a placeholder per value: the driver's rewriting of hundreds of
        # placeholders cost more than the query.
        blocks = "SELECT * FROM unnest(%s::text[], %s::text[])"
        params = [[city for city, _name in pairs], [name for _city, name in pairs]]
    else:
        blocks = "VALUES " + ", ".join(["(%s, %s)"] * len(pairs))
        params = [value for pair in pairs for value in pair]
    return (f"WITH b(city, name) AS ({blocks}) "
            f"SELECT b.city, b.name, c.id, c.display_name FROM b "
            f"JOIN clients_company c ON {city_sql} = UPPER(b.city) "
            f"AND {name_sql} = SUBSTR(UPPER(b.name), 1, {BLOCK_LETTERS}) "
            f"WHERE c.deleted_at IS NULL", params)


def short_name_block_query(pairs: list[tuple[str, str]]) -> tuple[str, list]:
    """The same for names shorter than a block ("ITC"): every block starting with them
    ("ITC ", "ITCO"), as one index range per name. As a join, the range made PostgreSQL
    read the whole table (11 s for 300 names at 1,000,000 companies)."""
    city_sql, name_sql = _BLOCK_SQL.get(connection.vendor, _BLOCK_SQL["sqlite"])
    last = "chr(1114111)" if connection.vendor == "postgresql" else "char(1114111)"
    one = (f"({city_sql} = UPPER(%s) AND {name_sql} >= UPPER(%s) "
           f"AND {name_sql} < UPPER(%s) || {last})")
    cases = " ".join(f"WHEN {one} THEN %s" for _pair in pairs)
    return (f"SELECT CASE {cases} END, c.id, c.display_name FROM clients_company c "
            f"WHERE ({' OR '.join([one] * len(pairs))}) AND c.deleted_at IS NULL",
            [*(value for index, (city, name) in enumerate(pairs)
               for value in (city, name, name, index)),
             *(value for city, name in pairs for value in (city, name, name))])


def companies_with_values(column: str, values: Iterable[str], *, batch: int = 500
                          ) -> list[tuple[str, int]]:
    """`(value, id)` of live companies whose `column` (tax number or web domain, both
    stored normalised) is one of `values`, by the column's index (the import's exact
    duplicates). Whosever they are: the caller passes the ids through the access layer."""
    if column not in {"tax_number", "domain"}:
        raise ValueError(column)
    values = sorted(set(values))
    found = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if values:
                cursor.execute(f"SELECT {column}, id FROM clients_company "
                               f"WHERE {column} = ANY(%s) AND deleted_at IS NULL", [values])
                found = cursor.fetchall()
            return found
        for start in range(0, len(values), batch):
            part = values[start:start + batch]
            cursor.execute(f"SELECT {column}, id FROM clients_company WHERE {column} IN "
                           f"({', '.join(['%s'] * len(part))}) AND deleted_at IS NULL", part)
            found.extend(cursor.fetchall())
    return found


def name_block_matches(pairs: Iterable[tuple[str, str]], *, batch: int = 300
                       ) -> list[tuple[str, str, int, str]]:
    """Live companies in the same block as each `(city, name)`: the same city and the same
    first four letters of the name, in any case (the database's UPPER on both sides, so it
    agrees with its index); a shorter name's block is every block starting with it. The
    import's fuzzy-duplicate candidates: rapidfuzz then compares the whole names. Rows:
    `(city, name)` as given, company id, company name. Whosever they are: the caller passes
    the ids through the access layer."""
    pairs = list(pairs)
    full = [pair for pair in pairs if len(pair[1]) >= BLOCK_LETTERS]
    short = [pair for pair in pairs if len(pair[1]) < BLOCK_LETTERS]
    found = []
    with connection.cursor() as cursor:
        for start in range(0, len(full), batch):
            cursor.execute(*name_block_query(full[start:start + batch]))
            found.extend(cursor.fetchall())
        for start in range(0, len(short), 50):  # SQLite limits an expression's depth
            part = short[start:start + 50]
            cursor.execute(*short_name_block_query(part))
            found.extend((*part[int(index)], pk, name) for index, pk, name in cursor.fetchall())
    return found

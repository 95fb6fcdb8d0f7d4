"""Record ids that come from outside (a query string, a JSON body): only ones a key can hold.

SQLite refuses a Python int past 64 bits when it is compared with a foreign key column
(`OverflowError`, a 500), while PostgreSQL simply finds nothing; so an id from outside is
checked against the range first: the API answers 422 naming the field, a page ignores it.
"""

from typing import Annotated

from pydantic import Field

MAX_ID = 2**63 - 1  # the largest key of a 64-bit integer column (BigAutoField, SQLite rowid)

RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]


def record_id(text: str | None) -> int | None:
    """The id written in `text` (digits only, within the range of a key), or None."""
    text = (text or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        return None
    return int(text)

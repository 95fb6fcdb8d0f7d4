"""The API's default pagination (`?limit=&offset=`), bounded to what a database can take.

Ninja's own leaves both unbounded above: an offset past 64 bits reached SQLite and failed
there (a 500, found by the fuzzer in tests/fuzz); now it is a 422 naming the parameter.
"""

from ninja import Field, Schema
from ninja.conf import settings
from ninja.pagination import LimitOffsetPagination

from khata.core.ids import MAX_ID


class LimitOffset(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.PAGINATION_PER_PAGE, ge=1, le=MAX_ID)
        offset: int = Field(0, ge=0, le=MAX_ID)

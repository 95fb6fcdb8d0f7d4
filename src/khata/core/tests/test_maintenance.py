"""Statistics after bulk writes: renewed for a table an import grew by a tenth or more."""

import pytest
from django.db import connection

from khata.core.bulk import insert_values
from khata.core.maintenance import refresh_statistics, tables_grown
from khata.core.models import Change

pytestmark = pytest.mark.django_db


def test_a_table_is_analysed_again_only_when_it_grew_by_a_tenth(manager):
    insert_values(Change, ["actor_id", "action", "object_id"],
                  [(manager.pk, "create", str(n)) for n in range(40)])
    refresh_statistics("core_change")
    rows = Change.objects.count()

    small, large = tables_grown(["core_change"], rows // 20), tables_grown(["core_change"], rows)

    if connection.vendor == "postgresql":  # the planner believes what ANALYZE counted
        assert (small, large) == ([], ["core_change"])
    else:  # SQLite's statistics are renewed whatever the growth
        assert (small, large) == (["core_change"], ["core_change"])


def test_a_table_never_analysed_counts_as_grown():
    assert tables_grown(["core_importjob"], 1) == ["core_importjob"]
    assert tables_grown([], 5) == []

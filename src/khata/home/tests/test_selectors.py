"""What the Today page's blocks hold."""

from khata.clients.selectors import AtLeast
from khata.home.selectors import shown


def test_a_capped_count_reads_as_at_least():
    assert shown(AtLeast(10_000)) == "10,000+"
    assert shown(42) == 42

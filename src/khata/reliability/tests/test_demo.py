"""The demo's reliability data: every company assessed, bands spread, some risk to show."""

import time

from khata.clients.models import Company
from khata.core.demo import build_demo
from khata.reliability.models import Assessment, FinancialStatement, Invoice
from khata.reliability.selectors import companies_risky
from khata.team.models import User


def test_the_demo_assesses_every_company_with_bands_spread(db):
    started = time.perf_counter()
    build_demo(seed=7, companies=300, log=lambda line: None)
    seconds = time.perf_counter() - started

    current = Assessment.objects.filter(is_current=True)
    assert current.count() == Company.objects.count() == 300
    bands = set(current.values_list("band", flat=True))
    assert len(bands) >= 4, bands
    assert current.filter(thin_data=True).exists() and current.filter(thin_data=False).exists()
    assert FinancialStatement.objects.exists() and Invoice.objects.exists()
    head = User.objects.get(email="head@example.com")
    assert companies_risky(user=head)
    assert seconds < 60

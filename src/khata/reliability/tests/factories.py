"""Inputs of the reliability forecast, valid by construction."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from khata.clients.tests.factories import CompanyFactory
from khata.reliability.models import ChecklistAnswer, FinancialStatement, Invoice


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinancialStatement

    company = factory.SubFactory(CompanyFactory)
    fiscal_year = factory.Sequence(lambda n: 2025 - n % 20)
    currency = "INR"
    revenue = Decimal("12000000")
    ebit = Decimal("1500000")
    net_income = Decimal("900000")
    total_assets = Decimal("10000000")
    current_assets = Decimal("4000000")
    total_liabilities = Decimal("5000000")
    current_liabilities = Decimal("2000000")
    retained_earnings = Decimal("3000000")
    book_equity = Decimal("5000000")


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"INV-{n:05d}")
    currency = "INR"
    amount = Decimal("100000")
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=120))
    due_on = factory.LazyAttribute(lambda o: o.issued_on + timedelta(days=30))
    paid_on = factory.LazyAttribute(lambda o: o.due_on + timedelta(days=5))
    paid_amount = factory.LazyAttribute(lambda o: o.amount if o.paid_on else None)


class ChecklistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistAnswer

    company = factory.SubFactory(CompanyFactory)
    years_in_business = Decimal("12")
    registry_status = "active"
    legal_disputes = False
    references = "good"
    ownership_known = True
    answered_at = factory.LazyFunction(timezone.now)

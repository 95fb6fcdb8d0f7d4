"""Demo reliability inputs: financial statements for about half the companies, invoice
histories for clients and former clients, the checklist for most, then a scoring run (with an
earlier one for clients, so the Today page has bands that dropped).

Each company gets a hidden financial health and payment discipline (correlated); statements
follow the health, payment delays the discipline, so the bands spread the way a real client
base's would: most A–C, a tail of D and E, thin-data prospects in the middle."""

import math
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from khata.clients.choices import Lifecycle
from khata.clients.models import Company
from khata.core.demo import DemoContext, demo_step
from khata.reliability.models import ChecklistAnswer, FinancialStatement, Invoice
from khata.reliability.scoring_services import score_companies

CURRENCY = {"IN": "INR", "DE": "EUR", "GB": "GBP", "US": "USD"}


def _money(value: float) -> Decimal:
    return Decimal(int(value))


@demo_step(30)
def demo_reliability(ctx: DemoContext) -> None:
    """financial statements, invoice histories and checklists, then a scoring run"""
    if FinancialStatement.objects.exists() or Invoice.objects.exists():
        return
    rnd = ctx.random
    today = timezone.localdate()
    now = timezone.now()
    head = ctx.made.get("head")
    managers = {m.pk: m for m in ctx.made.get("managers") or []}
    companies = list(Company.objects.order_by("id").values_list("id", "country", "lifecycle",
                                                                "owner_id"))
    statements, invoices, answers = [], [], []
    for pk, country, lifecycle, owner_id in companies:
        health = rnd.gauss(0, 1)
        discipline = 0.6 * health + 0.8 * rnd.gauss(0, 1)
        currency = CURRENCY.get(country, "INR")
        size = 10 ** rnd.uniform(6.5, 9.5)  # revenue in the company's currency
        is_client = lifecycle in (Lifecycle.CLIENT, Lifecycle.FORMER)
        if rnd.random() < (0.7 if is_client else 0.35):
            for back in (2, 1):
                year = today.year - back
                assets = size * rnd.uniform(0.6, 1.4)
                liabilities = assets * min(0.95, max(0.15, 0.55 - 0.15 * health
                                                     + rnd.gauss(0, 0.08)))
                equity = assets - liabilities
                current_assets = assets * rnd.uniform(0.25, 0.6)
                current_liabilities = liabilities * rnd.uniform(0.3, 0.7)
                ebit = assets * (0.06 + 0.05 * health + rnd.gauss(0, 0.02))
                broken = rnd.random() < 0.02  # figures that do not add up, as in real files
                statements.append((
                    pk, year, currency, _money(size * rnd.uniform(0.9, 1.1)), _money(ebit),
                    _money(ebit * 0.7), _money(assets),
                    _money(assets * 1.1 if broken else current_assets), _money(liabilities),
                    _money(current_liabilities), _money(equity * rnd.uniform(0.3, 0.8)),
                    _money(equity), False, None, "demo", now, now))
        if is_client:
            count = rnd.randint(6, 24)
            late_scale = math.exp(1.2 - 0.9 * discipline)  # mean days late
            for k in range(count):
                issued = today - timedelta(days=int(rnd.uniform(5, 720)))
                due = issued + timedelta(days=30)
                delay = max(0, int(rnd.expovariate(1 / late_scale) - 3))
                paid = due + timedelta(days=delay)
                if paid > today or (discipline < -1.5 and rnd.random() < 0.15):
                    paid = None
                amount = _money(size / 12 * rnd.uniform(0.02, 0.2))
                invoices.append((pk, f"D{pk}-{k:03d}", currency, amount, issued, due, paid,
                                 amount if paid else None, now, now))
        if rnd.random() < 0.6:
            registry = rnd.choices(["active", "unknown", "struck_off", "in_liquidation"],
                                   weights=[93, 5, 1, 1])[0]
            answers.append((
                pk, Decimal(rnd.choice([1, 3, 6, 12, 25, 40])), registry,
                rnd.random() < 0.1 - 0.05 * max(-1, min(1, health)) if rnd.random() < 0.8
                else None, rnd.choices(["good", "poor", "not_checked"],
                                       weights=[55 + 10 * health, 10, 35])[0],
                True if rnd.random() < 0.7 else None,
                managers.get(owner_id, head).pk if (managers or head) else None,
                now - timedelta(days=rnd.randint(0, 300))))
    ctx.insert_rows(FinancialStatement, [
        "company_id", "fiscal_year", "currency", "revenue", "ebit", "net_income", "total_assets",
        "current_assets", "total_liabilities", "current_liabilities", "retained_earnings",
        "book_equity", "listed", "market_equity", "source", "created_at", "updated_at"],
        statements, label="statements")
    ctx.insert_rows(Invoice, ["company_id", "number", "currency", "amount", "issued_on",
                              "due_on", "paid_on", "paid_amount", "created_at", "updated_at"],
                    invoices, label="invoices")
    ctx.insert_rows(ChecklistAnswer, [
        "company_id", "years_in_business", "registry_status", "legal_disputes", "references",
        "ownership_known", "answered_by_id", "answered_at"], answers, label="checklists")
    clients = Company.objects.filter(lifecycle=Lifecycle.CLIENT)
    score_companies(companies=clients, as_of=today - timedelta(days=120))
    outcome = score_companies(companies=Company.objects.all(),
                              progress=lambda done, total: ctx.log(
                                  f"  assessed: {done:,}/{total:,}") if done % 50_000 == 0
                              or done == total else None)
    ctx.log(f"  {len(statements):,} statements, {len(invoices):,} invoices, "
            f"{len(answers):,} checklists; bands: "
            + ", ".join(f"{band} {count:,}" for band, count in outcome["bands"].items()))

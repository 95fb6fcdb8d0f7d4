"""Write side of the ideal-client fit: learn it from the client database and score every
company, in bulk; running it again on the same data changes nothing."""

import time
from collections import defaultdict
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khata.clients.choices import Lifecycle
from khata.clients.models import Company
from khata.prospecting.fit import Facts, NotEnoughData, Trained, explain, fingerprint, train
from khata.prospecting.fit_selectors import MATURE_DAYS, WON, fit_model_latest, mature_before
from khata.prospecting.models import FitModel, FitScore
from khata.team.access import is_head

BATCH = 2000
KEEP_MODELS = 10  # earlier trainings kept for comparison; older ones are removed


def company_rows(now: datetime | None = None) -> tuple[list[Facts], list[tuple[Facts, bool]]]:
    """Every live company's facts, and the labelled part to learn from: (facts, won?) for
    clients and former clients (won) and prospects older than MATURE_DAYS (not won).

    Blocked companies are scored but not learned from: blocking says "fraud, legal trouble or
    their own request", not whether they were the kind of company we win."""
    cutoff = mature_before(now)
    needs: dict[int, list[tuple[int, str]]] = defaultdict(list)
    through = Company.needs.through.objects.filter(company__deleted_at__isnull=True)
    for company_id, need_id, name in through.values_list("company_id", "need_id",
                                                         "need__name").order_by("need_id"):
        needs[company_id].append((need_id, name))
    everyone: list[Facts] = []
    labelled: list[tuple[Facts, bool]] = []
    columns = ("id", "industry__code", "industry__name", "industry__section__code",
               "industry__section__name", "size_tier", "revenue_band", "region", "country",
               "source", "lifecycle", "created_at")
    for (pk, code, name, section_code, section_name, size_tier, revenue_band, region, country,
         source, lifecycle, created_at) in (Company.objects.order_by("id").values_list(*columns)
                                            .iterator(chunk_size=BATCH)):
        facts = Facts(company_id=pk, industry_code=code or "", industry_name=name or "",
                      section_code=section_code or code or "",
                      section_name=section_name or name or "",
                      size_tier=size_tier, revenue_band=revenue_band, region=region,
                      country=country, source=source, needs=tuple(needs.get(pk, ())))
        everyone.append(facts)
        if lifecycle in WON:
            labelled.append((facts, True))
        elif lifecycle == Lifecycle.PROSPECT and created_at < cutoff:
            labelled.append((facts, False))
    return everyone, labelled


def _model_row(trained: Trained) -> FitModel:
    return FitModel.objects.create(
        companies=trained.companies, won=trained.won, not_won=trained.not_won,
        base_rate=trained.base_rate, intercept=trained.intercept, weights=trained.weights,
        labels=trained.labels, fingerprint=trained.fingerprint)


def _trained_of(model: FitModel) -> Trained:
    return Trained(intercept=model.intercept, weights=model.weights, labels=model.labels,
                   companies=model.companies, won=model.won, not_won=model.not_won,
                   fingerprint=model.fingerprint)


def fit_scores_write(*, model: FitModel, everyone: list[Facts]) -> int:
    """Score every company in `everyone` with `model`: one row per company, replaced in place;
    scores of companies gone since (deleted, merged) are removed."""
    trained = _trained_of(model)
    now = timezone.now()
    rows = []
    for facts in everyone:
        explanation = explain(facts, trained)
        rows.append(FitScore(company_id=facts.company_id, model=model, score=explanation.score,
                             baseline=explanation.baseline, computed_at=now,
                             factors=[factor.as_dict() for factor in explanation.factors]))
    with transaction.atomic():
        for start in range(0, len(rows), BATCH):
            FitScore.objects.bulk_create(
                rows[start:start + BATCH], update_conflicts=True, unique_fields=["company"],
                update_fields=["model", "score", "baseline", "factors", "computed_at"])
        # Every row this run wrote carries `now`; any other belongs to a company gone since.
        FitScore.objects.exclude(computed_at=now).delete()
        keep = list(FitModel.objects.order_by("-trained_at", "-id")
                    .values_list("id", flat=True)[:KEEP_MODELS])
        FitModel.objects.exclude(pk__in=keep + [model.pk]).delete()
    return len(rows)


def fit_refresh(*, now: datetime | None = None) -> dict:
    """Learn the fit again and rescore every company (the nightly run and "retrain now").

    The same training data reuses the latest model (no new row), so a second run in a row
    only rewrites the same scores. With too little history nothing is made up: the outcome
    says why and the earlier model and scores, if any, stay as they were."""
    started = time.perf_counter()
    everyone, labelled = company_rows(now)
    latest = fit_model_latest()
    digest = fingerprint(labelled)
    if latest is not None and latest.fingerprint == digest:
        model, retrained = latest, False
    else:
        try:
            trained = train(labelled, mature_days=MATURE_DAYS)
        except NotEnoughData as refusal:
            return {"trained": False, "scored": 0, "message": refusal.message,
                    "seconds": round(time.perf_counter() - started, 3)}
        model, retrained = _model_row(trained), True
    scored = fit_scores_write(model=model, everyone=everyone)
    return {"trained": retrained, "model": model.pk, "scored": scored, "message": "",
            "seconds": round(time.perf_counter() - started, 3)}


def fit_retrain_request(*, by) -> None:
    """Ask for the fit to be learned again now (the head only); it runs in the background."""
    if not is_head(by):
        raise PermissionDenied(_("Only the head of the company may retrain the fit."))
    from khata.prospecting.tasks import fit_refresh_task  # the task calls this module

    transaction.on_commit(lambda: fit_refresh_task.enqueue(), robust=True)

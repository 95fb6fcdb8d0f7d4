"""The ideal-client fit against the database: learning, scoring, access, the API and the task."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from khata.clients.choices import Lifecycle
from khata.clients.models import Company, Industry, Need
from khata.clients.services import company_delete
from khata.clients.tests.factories import CompanyFactory
from khata.prospecting.fit_selectors import MATURE_DAYS, fit_for_company, prospects_by_fit
from khata.prospecting.fit_services import fit_refresh, fit_retrain_request
from khata.prospecting.models import FitModel, FitScore
from khata.prospecting.tasks import fit_refresh_nightly, fit_refresh_task
from khata.team.tests.api_client import bearer_api


def _companies(owner, count, *, code, lifecycle, old=False, need=None, prefix="Co"):
    industry = Industry.objects.get(code=code)
    made = Company.objects.bulk_create([
        Company(display_name=f"{prefix} {code} {lifecycle} {index}", owner=owner,
                industry=industry, lifecycle=lifecycle, size_tier="small", country="IN",
                region="Maharashtra", source="referral")
        for index in range(count)])
    ids = [company.pk for company in made]
    if old:
        Company.objects.filter(pk__in=ids).update(
            created_at=timezone.now() - timedelta(days=MATURE_DAYS + 30))
    if need is not None:
        Company.needs.through.objects.bulk_create(
            [Company.needs.through(company_id=pk, need=need) for pk in ids])
    return ids


@pytest.fixture
def history(manager, other_manager):
    """IT services (62) wins clients; food makers (10) mostly stay prospects."""
    cloud = Need.objects.create(name="Cloud backup")
    _companies(manager, 40, code="62", lifecycle=Lifecycle.CLIENT, need=cloud)
    _companies(other_manager, 8, code="62", lifecycle=Lifecycle.FORMER)
    _companies(manager, 8, code="10", lifecycle=Lifecycle.CLIENT)
    _companies(other_manager, 40, code="10", lifecycle=Lifecycle.PROSPECT, old=True)
    _companies(manager, 8, code="62", lifecycle=Lifecycle.PROSPECT, old=True)
    return {"cloud": cloud}


def test_learning_scores_every_company_once_and_again_changes_nothing(history, manager):
    fresh_it = CompanyFactory(owner=manager, industry=Industry.objects.get(code="62"))

    first = fit_refresh()
    scores = dict(FitScore.objects.values_list("company_id", "score"))
    second = fit_refresh()

    assert first["trained"] is True and second["trained"] is False
    assert first["scored"] == second["scored"] == Company.objects.count() == 105
    assert FitModel.objects.count() == 1
    assert FitScore.objects.count() == 105
    assert dict(FitScore.objects.values_list("company_id", "score")) == scores
    assert fresh_it.pk in scores  # young prospects are scored, not learned from


def test_it_prospects_fit_better_and_say_why(history, manager):
    it_prospect = CompanyFactory(owner=manager, industry=Industry.objects.get(code="62"))
    food_prospect = CompanyFactory(owner=manager, industry=Industry.objects.get(code="10"))
    fit_refresh()

    it_fit = fit_for_company(user=manager, company=it_prospect)
    food_fit = fit_for_company(user=manager, company=food_prospect)

    assert it_fit.status == "scored" and food_fit.status == "scored"
    assert it_fit.score > food_fit.score
    words = [factor["words"] for factor in it_fit.raising]
    assert any(text.startswith("+") and "industry 62 (" in text for text in words)
    assert any("industry 10 (" in factor["words"] for factor in food_fit.lowering)
    assert it_fit.baseline + sum(f["points"] for f in it_fit.factors) == it_fit.score
    assert it_fit.model.companies == 104 and it_fit.model.won == 56


def test_a_deleted_company_loses_its_score_and_a_new_one_gains_one(history, manager):
    fit_refresh()
    gone = Company.objects.filter(owner=manager, lifecycle=Lifecycle.PROSPECT).first()
    company_delete(by=manager, company=gone)
    newcomer = CompanyFactory(owner=manager)

    fit_refresh()

    assert not FitScore.objects.filter(company=gone).exists()
    assert FitScore.objects.filter(company=newcomer).exists()


def test_a_thin_history_makes_up_no_scores(manager):
    _companies(manager, 12, code="62", lifecycle=Lifecycle.CLIENT)
    _companies(manager, 31, code="10", lifecycle=Lifecycle.PROSPECT, old=True)
    company = CompanyFactory(owner=manager)

    outcome = fit_refresh()
    fit = fit_for_company(user=manager, company=company)

    assert outcome["trained"] is False
    assert outcome["message"] == "Not enough won clients yet: 12 of the 30 needed."
    assert not FitModel.objects.exists() and not FitScore.objects.exists()
    assert fit.status == "not_enough_data"
    assert fit.message == "Not enough won clients yet: 12 of the 30 needed."


def test_prospects_by_fit_are_mine_and_best_first(history, manager, other_manager):
    mine_it = CompanyFactory(owner=manager, industry=Industry.objects.get(code="62"))
    mine_food = CompanyFactory(owner=manager, industry=Industry.objects.get(code="10"))
    theirs = CompanyFactory(owner=other_manager, industry=Industry.objects.get(code="62"))
    fit_refresh()

    rows = list(prospects_by_fit(user=manager))

    companies = [row.company_id for row in rows]
    assert theirs.pk not in companies
    assert {row.company.owner_id for row in rows} == {manager.pk}
    assert all(row.company.lifecycle == Lifecycle.PROSPECT for row in rows)
    assert companies.index(mine_it.pk) < companies.index(mine_food.pk)
    assert [row.score for row in rows] == sorted((row.score for row in rows), reverse=True)


def test_api_fit_of_my_company_and_404_for_a_colleagues(client, history, manager,
                                                        other_manager):
    mine = CompanyFactory(owner=manager, industry=Industry.objects.get(code="62"))
    theirs = CompanyFactory(owner=other_manager, industry=Industry.objects.get(code="62"))
    fit_refresh()
    api = bearer_api(client, manager)

    answer = api.get(f"/companies/{mine.pk}/fit")
    refused = api.get(f"/companies/{theirs.pk}/fit")
    refused_products = api.get(f"/companies/{theirs.pk}/products")

    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "scored" and 0 <= body["score"] <= 100
    assert body["model"]["companies"] == 104
    assert any("industry 62" in factor["words"] for factor in body["factors"])
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert refused_products.status_code == 404


def test_api_says_plainly_when_there_is_not_enough_data(client, manager):
    company = CompanyFactory(owner=manager)

    body = bearer_api(client, manager).get(f"/companies/{company.pk}/fit").json()

    assert body["status"] == "not_enough_data" and body["score"] is None
    assert body["message"].startswith("Not enough won clients yet: 0 of the 30 needed")


def test_api_prospects_by_fit_are_paged_bounded_and_mine(client, history, manager,
                                                         other_manager,
                                                         django_assert_max_num_queries):
    theirs = CompanyFactory(owner=other_manager)
    fit_refresh()
    api = bearer_api(client, manager)

    with django_assert_max_num_queries(8):
        page = api.get("/fit/prospects", {"limit": 5}).json()

    assert page["count"] == 8 and len(page["items"]) == 5
    assert theirs.pk not in [item["company"]["id"] for item in page["items"]]
    assert {item["company"]["owner"] for item in page["items"]} == {manager.pk}
    scores = [item["score"] for item in page["items"]]
    assert scores == sorted(scores, reverse=True)


def test_only_the_head_retrains_and_it_runs_in_the_background(
        client, history, manager, head, django_capture_on_commit_callbacks):
    refused = bearer_api(client, manager).post("/fit/retrain")
    assert refused.status_code == 403
    assert not FitModel.objects.exists()  # nothing happened

    with django_capture_on_commit_callbacks(execute=True):
        accepted = bearer_api(client, head).post("/fit/retrain")

    assert accepted.status_code == 202 and accepted.json()["queued"] is True
    assert FitModel.objects.count() == 1
    assert FitScore.objects.count() == Company.objects.count()


def test_the_retrain_request_waits_for_the_commit(history, head,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        fit_retrain_request(by=head)

    assert len(callbacks) == 1 and not FitModel.objects.exists()


def test_the_task_twice_and_the_nightly_run_leave_one_row_per_company(history):
    fit_refresh_task.enqueue()
    fit_refresh_task.enqueue()
    fit_refresh_nightly.func.__wrapped__()  # without close_db: the test holds its connection

    assert FitModel.objects.count() == 1
    assert FitScore.objects.count() == Company.objects.count()


def test_the_nightly_run_is_scheduled():
    from huey.contrib.djhuey import HUEY

    def due(hour, minute):
        moment = datetime(2030, 1, 1, hour, minute)  # noqa: DTZ001 (Huey's clock is naive)
        return {task.name for task in HUEY.read_periodic(moment)}

    assert "khata.fit_refresh_nightly" in due(2, 30)
    assert "khata.fit_refresh_nightly" not in due(3, 30)


def test_the_card_shows_the_score_and_what_raised_it(history, manager, manager_client):
    company = CompanyFactory(owner=manager, industry=Industry.objects.get(code="62"))
    fit_refresh()

    text = manager_client.get(f"/companies/{company.pk}/fit/").content.decode()

    score = FitScore.objects.get(company=company).score
    assert f"{score} / 100" in text
    assert "Raises it" in text and "industry 62 (" in text
    assert "Learned from 104 companies (56 won)" in text

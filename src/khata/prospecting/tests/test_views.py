"""Prospecting pages: leads from intake to qualification, search-method figures, the
segment builder with its live count, members and export."""

from khata.clients.models import Company, Need
from khata.clients.tests.factories import CompanyFactory
from khata.prospecting.models import Lead, Segment
from khata.prospecting.services import search_method_create
from khata.prospecting.tests.factories import LeadFactory, SearchMethodFactory


def test_adding_a_lead_that_looks_like_a_client_warns(manager_client, manager):
    CompanyFactory(owner=manager, display_name="Bharat Forge", city="Pune")
    method = search_method_create(by=manager, data={"name": "Fair", "kind": "exhibition"})

    response = manager_client.post("/leads/new/", {
        "search_method": method.pk, "company_name": "Bharat Forge Ltd", "city": "Pune",
        "country": "IN"}, follow=True)

    assert "already in your database" in response.text
    assert 'data-testid="lookalike"' in response.text
    lead = Lead.objects.get()
    assert lead.matches_company.display_name == "Bharat Forge"


def test_a_lead_form_error_names_the_field_and_keeps_input(manager_client, manager):
    method = search_method_create(by=manager, data={"name": "Fair", "kind": "exhibition"})

    response = manager_client.post("/leads/new/", {
        "search_method": method.pk, "company_name": "Nova", "email": "nova@",
        "country": "IN"})

    assert response.status_code == 422
    assert "is not a valid e-mail address" in response.text and 'value="Nova"' in response.text
    assert not Lead.objects.exists()


def test_qualify_from_the_lead_page_opens_the_new_company(manager_client, manager):
    lead = LeadFactory(owner=manager, company_name="Zenith Tools",
                       search_method=SearchMethodFactory(owner=manager))

    response = manager_client.post(f"/leads/{lead.pk}/qualify/")

    company = Company.objects.get(display_name="Zenith Tools")
    assert response.status_code == 302 and response["Location"] == f"/companies/{company.pk}/"


def test_the_method_table_ranks_and_links_to_leads(manager_client, manager):
    method = SearchMethodFactory(owner=manager, name="Referrals")
    LeadFactory(owner=manager, search_method=method)

    page = manager_client.get("/search-methods/")

    assert page.status_code == 200
    assert f"/leads/?search_method={method.pk}" in page.text


def test_lists_stay_bounded(manager_client, manager, django_assert_max_num_queries):
    method = SearchMethodFactory(owner=manager)
    for _ in range(30):
        LeadFactory(owner=manager, search_method=method)
    with django_assert_max_num_queries(12):
        assert manager_client.get("/leads/").status_code == 200
    with django_assert_max_num_queries(12):
        assert manager_client.get("/search-methods/").status_code == 200


def _builder(**rows):
    data = {"name": "Goa prospects", "g0-match": "all"}
    data.update(rows)
    return data


def test_the_builder_counts_live_and_saves(manager_client, manager):
    cloud = Need.objects.create(name="Cloud")
    goa = CompanyFactory(owner=manager, region="Goa", display_name="Goa Co")
    goa.needs.add(cloud)
    CompanyFactory(owner=manager, region="Kerala")

    rules = {"g0-0-field": "region", "g0-0-op": "in", "g0-0-value": "Goa",
             "g0-1-field": "needs", "g0-1-op": "any", "g0-1-value": "cloud"}
    count = manager_client.post("/segments/new/", _builder(action="count", **rules),
                                HTTP_HX_REQUEST="true")
    assert count.status_code == 200 and "1 company matches." in count.text

    saved = manager_client.post("/segments/new/", _builder(action="save", **rules))
    segment = Segment.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/segments/{segment.pk}/"
    detail = manager_client.get(saved["Location"])
    assert "Goa Co" in detail.text and 'data-testid="member-count">1<' in detail.text
    export = manager_client.get(f"/segments/{segment.pk}/export/")
    assert export.status_code == 200 and "Goa Co" in export.content.decode()


def test_the_builder_marks_a_bad_rule_and_saves_nothing(manager_client):
    response = manager_client.post("/segments/new/", _builder(
        action="save", **{"g0-0-field": "employees", "g0-0-op": "gte", "g0-0-value": "lots",
                          "g0-1-field": "needs", "g0-1-op": "any", "g0-1-value": "Telepathy"}))

    assert response.status_code == 422
    assert "No need called Telepathy." in response.text
    assert not Segment.objects.exists()
    unknown = manager_client.post("/segments/new/", _builder(
        action="save", **{"g0-0-field": "employees", "g0-0-op": "gte",
                          "g0-0-value": "lots"}))
    assert "employees needs a whole number" in unknown.text
    assert 'value="lots"' in unknown.text  # what was typed stays


def test_the_builder_adds_rules_and_groups(manager_client):
    one = manager_client.post("/segments/new/", _builder(
        action="add_group", **{"g0-0-field": "region", "g0-0-op": "in", "g0-0-value": "Goa"}))
    assert one.text.count('data-testid="segment-group"') == 2
    assert 'name="match"' in one.text  # how the groups combine appears with the second


def test_the_analysis_page_breaks_the_audience_down_with_drill_downs(
        manager_client, manager, other_manager, django_assert_max_num_queries):
    from khata.clients.models import Industry

    it = Industry.objects.get(code="62")
    for lifecycle in ("prospect", "prospect", "client"):
        CompanyFactory(owner=manager, industry=it, size_tier="small", region="Goa",
                       lifecycle=lifecycle)
    CompanyFactory(owner=other_manager, industry=it, region="Goa")  # not in my reach
    SearchMethodFactory(owner=manager, name="Referrals")

    with django_assert_max_num_queries(20):
        page = manager_client.get("/analysis/")

    assert page.status_code == 200
    industry = next(block for block in page.context["audience"] if block["key"] == "industry")
    [row] = industry["rows"]
    assert (row.key, row.prospects, row.clients, row.total) == ("J", 2, 1, 3)
    assert industry["chart"]["data"][0]["customdata"] == [
        "/companies/?industry=J&lifecycle=prospect"]
    assert 'id="spec-industry"' in page.text and "plotly/plotly.min.js" in page.text
    assert "'unsafe-inline'" in page["Content-Security-Policy"].split("style-src")[1]


def test_other_pages_keep_the_strict_style_policy(manager_client):
    policy = manager_client.get("/leads/")["Content-Security-Policy"]
    assert "unsafe-inline" not in policy


def test_the_demo_has_methods_leads_and_segments_that_add_up(db, client):
    from khata.core.demo import build_demo
    from khata.prospecting.selectors import search_method_figures
    from khata.team.models import User

    build_demo(seed=3, companies=120, log=lambda line: None)

    head = User.objects.get(email="head@example.com")
    figures = search_method_figures(user=head)
    assert len(figures) == 6 and sum(f.leads for f in figures) == 60
    assert any(f.qualified for f in figures)
    assert Segment.objects.count() == 3
    months = {lead.created_at.strftime("%Y-%m") for lead in Lead.objects.all()}
    assert len(months) > 6  # spread over the year, for the trend chart
    client.force_login(head)
    assert client.get("/analysis/").status_code == 200


def test_the_company_page_loads_the_fit_and_products_panel(manager_client, manager):
    company = CompanyFactory(owner=manager)

    page = manager_client.get(f"/companies/{company.pk}/")
    card = manager_client.get(f"/companies/{company.pk}/fit/", HTTP_HX_REQUEST="true")

    assert f'hx-get="/companies/{company.pk}/fit/"' in page.text
    assert card.status_code == 200


def test_best_fit_prospects_page_explains_when_empty(manager_client):
    page = manager_client.get("/prospects/best-fit/")
    assert page.status_code == 200 and "No scores yet." in page.text


def test_the_method_form_sets_the_web_form_routing(manager_client, manager, other_manager):
    method = SearchMethodFactory(owner=manager, name="Site form")

    response = manager_client.post(f"/search-methods/{method.pk}/", {
        "name": "Site form", "kind": "web_form", "currency": "INR", "cost": "0",
        "form_enabled": "on", "routing": "by_region",
        "routing_managers": f"{manager.email}, {other_manager.email}",
        "routing_regions": f"Goa = {other_manager.email}\nKerala = {manager.email}"})

    assert response.status_code == 302
    method.refresh_from_db()
    assert method.routing_regions == {"Goa": other_manager.pk, "Kerala": manager.pk}
    assert set(method.routing_managers.all()) == {manager, other_manager}
    again = manager_client.get(f"/search-methods/{method.pk}/")
    assert f"Goa = {other_manager.email}" in again.text

    bad = manager_client.post(f"/search-methods/{method.pk}/", {
        "name": "Site form", "kind": "web_form", "currency": "INR", "cost": "0",
        "routing_regions": "Goa: nobody"})
    assert bad.status_code == 422 and "Region = e-mail" in bad.text

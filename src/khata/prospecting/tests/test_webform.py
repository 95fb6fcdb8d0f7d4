"""The public web-to-lead form: signed key and token, routing by rule, honeypot, throttle
without losing genuine submissions, framing and no sign-in — against the real database."""

import threading

import pytest
from django.core import signing
from django.core.cache import caches
from django.db import connection
from django.test import Client

from khata.core.models import Change
from khata.prospecting.choices import Routing
from khata.prospecting.models import Lead, SearchMethod
from khata.prospecting.tests.factories import SearchMethodFactory
from khata.prospecting.webform import (
    HONEYPOT_FIELD,
    form_key,
    form_token,
    route_owner,
)
from khata.team.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """The throttle counts in the cache, which outlives a test; every test starts at zero."""
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def visitor():
    """A stranger's browser: not signed in, and enforcing CSRF like a real one would."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def method(manager):
    return SearchMethodFactory(owner=manager, name="Website", kind="web_form",
                               form_enabled=True)


def url(method) -> str:
    return f"/f/{form_key(method)}/"


def post(visitor, method, token=None, ip="203.0.113.7", **fields):
    data = {"company_name": "Nova Pumps", "contact_name": "Meera Iyer",
            "email": "meera@novapumps.in", "token": token or form_token(method), **fields}
    return visitor.post(url(method), data, REMOTE_ADDR=ip)


# ---------------------------------------------------------------- the page


def test_the_form_opens_without_signing_in_and_may_be_framed(visitor, method):
    response = visitor.get(url(method))

    assert response.status_code == 200
    assert 'name="token"' in response.text and f'name="{HONEYPOT_FIELD}"' in response.text
    assert "X-Frame-Options" not in response
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "frame-ancestors 'none'" not in csp
    assert "no-store" in response["Cache-Control"]


def test_the_rest_of_the_site_still_refuses_framing(manager_client):
    response = manager_client.get("/leads/")

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_a_valid_submission_becomes_a_new_lead_of_the_owner(visitor, method, manager):
    response = post(visitor, method, phone="98200 12345", city="Pune",
                    message="We need 40 pumps a year.")

    assert response.status_code == 302
    assert response["Location"] == f"{url(method)}thanks/"
    thanks = visitor.get(response["Location"])
    assert thanks.status_code == 200 and 'data-testid="thanks"' in thanks.text
    lead = Lead.objects.get()
    assert (lead.owner, lead.search_method, lead.status) == (manager, method, "new")
    assert (lead.company_name, lead.email, lead.phone) == (
        "Nova Pumps", "meera@novapumps.in", "+919820012345")
    assert lead.notes == "We need 40 pumps a year."
    change = Change.objects.get(object_id=str(lead.pk), action="create")
    assert change.actor is None and change.ip_address == "203.0.113.7"
    assert "web form" in change.message


# ---------------------------------------------------------------- routing


def test_round_robin_gives_three_managers_one_lead_each_in_turn(visitor, method):
    people = [UserFactory() for _ in range(3)]
    method.routing = Routing.ROUND_ROBIN
    method.save()
    method.routing_managers.set(people)

    for number in range(6):
        assert post(visitor, method, company_name=f"Prospect {number}",
                    ip=f"198.51.100.{number}").status_code == 302

    owners = list(Lead.objects.order_by("id").values_list("owner_id", flat=True))
    in_order = sorted(person.pk for person in people)
    assert owners == in_order + in_order
    assert SearchMethod.objects.get(pk=method.pk).routing_next == 6


def test_round_robin_skips_a_dismissed_manager_and_an_empty_rotation_uses_the_owner(
        method, manager):
    active, gone = UserFactory(), UserFactory(is_active=False)
    method.routing = Routing.ROUND_ROBIN
    method.save()

    assert route_owner(method=method) == manager  # nobody in the rotation yet

    method.routing_managers.set([active, gone])
    assert {route_owner(method=method) for _ in range(3)} == {active}


def test_by_region_routes_to_the_regions_manager_and_falls_back_to_the_owner(
        visitor, method, manager, other_manager):
    method.routing = Routing.BY_REGION
    method.routing_regions = {"Maharashtra": other_manager.pk, "Goa": 999_999}
    method.save()

    form = visitor.get(url(method))
    assert '<option value="Maharashtra">' in form.text  # a visitor picks from a list

    post(visitor, method, company_name="West", region="Maharashtra", ip="198.51.100.1")
    post(visitor, method, company_name="Unknown", region="", ip="198.51.100.2")
    post(visitor, method, company_name="Nobody", region="Goa", ip="198.51.100.3")

    owners = dict(Lead.objects.values_list("company_name", "owner_id"))
    assert owners == {"West": other_manager.pk, "Unknown": manager.pk, "Nobody": manager.pk}
    assert Lead.objects.get(company_name="West").region == "Maharashtra"


def test_by_region_matches_regions_whatever_their_case(method, other_manager):
    method.routing = Routing.BY_REGION
    method.routing_regions = {"Tamil Nadu": other_manager.pk}
    method.save()

    assert route_owner(method=method, region="  tamil   NADU ") == other_manager


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_share_a_round_robin_slot(manager):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers (IMMEDIATE); the race needs PostgreSQL")
    method = SearchMethodFactory(owner=manager, form_enabled=True,
                                 routing=Routing.ROUND_ROBIN)
    method.routing_managers.set([UserFactory() for _ in range(4)])
    slots, errors = [], []

    def take():
        from khata.prospecting.webform import _take_slot

        try:
            for _ in range(10):
                slots.append(_take_slot(method))
        except Exception as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(slots) == list(range(40))


# ---------------------------------------------------------------- refused input


def test_a_forged_key_or_a_turned_off_form_is_not_found(visitor, method):
    forged = f"/f/{method.pk}:forged-signature/"
    assert visitor.get(forged).status_code == 404
    assert visitor.post(forged, {"company_name": "X", "email": "x@example.com"}).status_code \
        == 404

    token = form_token(method)
    method.form_enabled = False
    method.save()

    closed = visitor.get(url(method))
    assert closed.status_code == 404 and 'data-testid="unavailable"' in closed.text
    assert "X-Frame-Options" not in closed  # a framed form says so instead of going blank
    assert post(visitor, method, token=token).status_code == 404
    assert visitor.get(f"{url(method)}thanks/").status_code == 404
    assert not Lead.objects.exists()


def test_a_forged_or_foreign_token_writes_nothing_and_keeps_the_values(visitor, method, manager):
    other = SearchMethodFactory(owner=manager, form_enabled=True)

    forged = post(visitor, method, token="1:forged")
    foreign = post(visitor, method, token=form_token(other))
    missing = visitor.post(url(method), {"company_name": "Nova Pumps"})

    assert [forged.status_code, foreign.status_code, missing.status_code] == [400, 400, 400]
    assert 'value="Nova Pumps"' in forged.text and 'data-testid="notice"' in forged.text
    assert not Lead.objects.exists()


def test_an_expired_token_writes_nothing_and_offers_a_fresh_one(visitor, method, monkeypatch):
    import time

    real = time.time
    monkeypatch.setattr("django.core.signing.time.time", lambda: real() - 2 * 86400)
    old_token = form_token(method)
    monkeypatch.undo()

    response = post(visitor, method, token=old_token)

    assert response.status_code == 400
    assert 'value="Nova Pumps"' in response.text and old_token not in response.text
    assert not Lead.objects.exists()


def test_a_filled_honeypot_looks_like_success_but_writes_nothing(visitor, method):
    response = post(visitor, method, **{HONEYPOT_FIELD: "123"})

    assert response.status_code == 302 and response["Location"].endswith("/thanks/")
    assert not Lead.objects.exists() and not Change.objects.exists()


def test_a_bad_email_names_the_field_keeps_the_values_and_writes_nothing(visitor, method):
    response = post(visitor, method, email="meera@", phone="", city="Pune")

    assert response.status_code == 422
    assert 'data-field="email"' in response.text
    assert "is not a valid e-mail address" in response.text
    assert 'value="Nova Pumps"' in response.text and 'value="Pune"' in response.text
    assert 'value="meera@"' in response.text
    assert not Lead.objects.exists()


def test_a_submission_without_a_company_or_a_way_to_answer_is_refused(visitor, method):
    response = post(visitor, method, company_name="", email="")

    assert response.status_code == 422
    assert 'data-field="company_name"' in response.text
    assert 'data-field="email"' in response.text and "phone number" in response.text
    assert not Lead.objects.exists()


def test_an_unlisted_region_is_refused_when_the_form_routes_by_region(visitor, method,
                                                                      other_manager):
    method.routing = Routing.BY_REGION
    method.routing_regions = {"Goa": other_manager.pk}
    method.save()

    response = post(visitor, method, region="Atlantis")

    assert response.status_code == 422 and 'data-field="region"' in response.text
    assert not Lead.objects.exists()


# ---------------------------------------------------------------- floods


def test_a_flood_from_one_address_is_throttled_and_the_surplus_keeps_its_values(
        visitor, method, settings):
    settings.KHATA_WEBFORM_LIMITS = {"sender": (3, 600)}

    answers = [post(visitor, method, company_name=f"Flood {n}", ip="192.0.2.9")
               for n in range(4)]

    assert [answer.status_code for answer in answers] == [302, 302, 302, 429]
    surplus = answers[-1]
    assert 1 <= int(surplus["Retry-After"]) <= 601
    assert 'value="Flood 3"' in surplus.text and 'data-testid="notice"' in surplus.text
    assert 'name="token"' in surplus.text  # a fresh token: Send again works after the wait
    assert Lead.objects.count() == 3
    # Another visitor is not held up by that address.
    assert post(visitor, method, company_name="Genuine", ip="192.0.2.10").status_code == 302
    assert Lead.objects.filter(company_name="Genuine").exists()


def test_a_refused_sender_is_taken_once_the_window_has_passed(visitor, method, settings,
                                                              monkeypatch):
    import time

    settings.KHATA_WEBFORM_LIMITS = {"sender": (1, 60)}
    post(visitor, method, company_name="First", ip="192.0.2.9")
    refused = post(visitor, method, company_name="Second", ip="192.0.2.9")
    assert refused.status_code == 429

    later = time.time() + int(refused["Retry-After"])
    monkeypatch.setattr("khata.prospecting.webform.time.time", lambda: later)
    again = post(visitor, method, company_name="Second", ip="192.0.2.9")

    assert again.status_code == 302
    assert set(Lead.objects.values_list("company_name", flat=True)) == {"First", "Second"}


def test_a_burst_on_one_form_holds_genuine_leads_for_review_instead_of_losing_them(
        visitor, method, settings, other_manager, manager):
    settings.KHATA_WEBFORM_LIMITS = {"method": (2, 4, 60)}
    method.routing = Routing.ROUND_ROBIN
    method.save()
    method.routing_managers.set([other_manager])

    answers = [post(visitor, method, company_name=f"Burst {n}", ip=f"198.51.100.{n}")
               for n in range(5)]

    assert [answer.status_code for answer in answers] == [302, 302, 302, 302, 429]
    assert "Retry-After" in answers[-1] and 'value="Burst 4"' in answers[-1].text
    leads = list(Lead.objects.order_by("id"))
    assert [lead.company_name for lead in leads] == ["Burst 0", "Burst 1", "Burst 2", "Burst 3"]
    assert [lead.owner for lead in leads] == [other_manager, other_manager, manager, manager]
    assert [lead.notes.startswith("Held for review") for lead in leads] == [
        False, False, True, True]
    assert [lead.held for lead in leads] == [False, False, True, True]


def test_the_owner_finds_held_leads_and_releases_a_genuine_one(visitor, method, settings,
                                                               manager, manager_client):
    settings.KHATA_WEBFORM_LIMITS = {"method": (1, 4, 60)}
    for n in range(3):
        post(visitor, method, company_name=f"Burst {n}", ip=f"198.51.100.{n}")
    held = Lead.objects.filter(held=True).order_by("id")
    assert [lead.company_name for lead in held] == ["Burst 1", "Burst 2"]

    listed = manager_client.get("/leads/?held=1")
    assert "Burst 1" in listed.text and "Burst 2" in listed.text
    assert "Burst 0" not in listed.text
    assert "It is genuine: release it" in manager_client.get(f"/leads/{held[0].pk}/").text

    answer = manager_client.post(f"/leads/{held[0].pk}/release/")

    assert answer.status_code == 302 and answer["Location"] == "/leads/?held=1"
    after = manager_client.get("/leads/?held=1").text
    assert "Burst 1 is released" in after
    assert f'href="/leads/{held[0].pk}/"' not in after and "Burst 2" in after
    released = Lead.objects.get(company_name="Burst 1")
    assert released.held is False
    change = Change.objects.filter(object_id=str(released.pk)).latest("id")
    assert change.actor == manager and change.changes == {"held": [True, False]}


def test_releasing_is_refused_for_a_lead_that_is_not_held_and_for_a_colleague(
        manager, other_manager, method, client):
    from khata.prospecting.services import lead_create, lead_release
    from khata.team.tests.api_client import bearer_api

    lead = lead_create(by=manager, data={"search_method": method.pk, "company_name": "Calm"})
    api = bearer_api(client, manager)
    refused = api.post(f"/leads/{lead.pk}/release")
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["held"]

    Lead.objects.filter(pk=lead.pk).update(held=True)
    assert bearer_api(client, other_manager).post(
        f"/leads/{lead.pk}/release").status_code == 404
    assert Lead.objects.get(pk=lead.pk).held is True

    listed = bearer_api(client, manager).get("/leads?held=true").json()
    assert [item["id"] for item in listed["items"]] == [lead.pk]
    released = bearer_api(client, manager).post(f"/leads/{lead.pk}/release").json()
    assert released["held"] is False
    with pytest.raises(Exception, match="not held"):
        lead_release(by=manager, lead=Lead.objects.get(pk=lead.pk))


# ---------------------------------------------------------------- the embed code


def test_the_owner_gets_the_embed_code_and_a_colleague_does_not(manager_client, method,
                                                                other_manager):
    response = manager_client.get(f"/f/embed/{method.pk}/")

    assert response.status_code == 200
    assert f'&lt;iframe src="http://testserver{url(method)}"' in response.text
    colleague = Client()
    colleague.force_login(other_manager)
    assert colleague.get(f"/f/embed/{method.pk}/").status_code == 403
    assert Client().get(f"/f/embed/{method.pk}/").status_code == 302  # to the sign-in page


def test_the_form_key_cannot_be_made_from_an_id(method):
    assert form_key(method) != str(method.pk)
    with pytest.raises(signing.BadSignature):
        signing.Signer(salt="khata.prospecting.webform.key").unsign(f"{method.pk}:abc")

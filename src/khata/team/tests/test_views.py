"""Sign-in, sign-out, password and token pages."""

from khata.team.models import ApiToken
from khata.team.services import token_create


def test_pages_need_a_signed_in_user(client, db):
    for url in ["/", "/account/", "/audit/", "/account/password/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_sign_in_leads_to_today_and_sign_out_back(client, manager):
    page = client.get("/login/")
    assert page.status_code == 200 and b'name="username"' in page.content

    response = client.post("/login/", {"username": "MANAGER@example.com",
                                       "password": "correct-horse-battery-42"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Account manager" in client.get("/").text

    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_says_so_and_keeps_the_email(client, manager):
    response = client.post("/login/", {"username": "manager@example.com", "password": "nope"})

    assert response.status_code == 200
    assert "do not match an active account" in response.text
    assert 'value="manager@example.com"' in response.text


def test_password_change_checks_the_old_one_and_the_strength(manager_client, manager):
    response = manager_client.post("/account/password/", {
        "old_password": "wrong", "new_password1": "x", "new_password2": "x"})
    assert response.status_code == 200
    assert "is-invalid" in response.text

    response = manager_client.post("/account/password/", {
        "old_password": "correct-horse-battery-42",
        "new_password1": "a-brand-new-passphrase-9", "new_password2": "a-brand-new-passphrase-9"})
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("a-brand-new-passphrase-9")
    assert manager_client.get("/account/").status_code == 200  # still signed in


def test_token_is_shown_once_then_only_its_prefix(manager_client, manager):
    response = manager_client.post("/account/tokens/", {"name": "export"}, follow=True)
    token = ApiToken.objects.get(user=manager)

    assert f"khata_{token.prefix}_" in response.text
    again = manager_client.get("/account/")
    assert f"khata_{token.prefix}_" not in again.text
    assert f"khata_{token.prefix}" in again.text


def test_token_form_errors_are_shown_under_the_field(manager_client):
    response = manager_client.post("/account/tokens/", {"name": ""})

    assert response.status_code == 422
    assert "This field is required." in response.text
    assert not ApiToken.objects.exists()


def test_revoking_someone_elses_token_is_a_404(manager_client, other_manager):
    token, _raw = token_create(by=other_manager, user=other_manager, name="theirs")

    response = manager_client.post(f"/account/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_account_page_queries_stay_bounded(manager_client, manager,
                                           django_assert_max_num_queries):
    for index in range(30):
        token_create(by=manager, user=manager, name=f"t{index}")

    with django_assert_max_num_queries(8):
        response = manager_client.get("/account/")
    assert response.status_code == 200


def test_pages_carry_a_csp_with_a_nonce(manager_client):
    response = manager_client.get("/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.text
    assert "cdn" not in response.text.lower()

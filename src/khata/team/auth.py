"""API authentication: the browser's session (with CSRF) or a bearer token for scripts."""

from ninja.security import HttpBearer, SessionAuth

from khata.team.services import token_authenticate


class BrowserSession(SessionAuth):
    """The signed-in browser session; unsafe methods need the CSRF token (ninja checks it)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None and user.is_active:
            request.auth_user = user
            return user
        return None


class BearerToken(HttpBearer):
    """`Authorization: Bearer khata_…` from `khata token create` or the account page."""

    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is not None:
            request.auth_user = user
        return user


def axes_username(request, credentials=None) -> str | None:
    """The account django-axes counts failures against: the e-mail in lower case, because
    sign-in ignores its case (otherwise each spelling would get its own guesses)."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    return username.strip().lower() if isinstance(username, str) else username

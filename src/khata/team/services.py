"""Writes for the team app: users, passwords, API tokens and sign-in records."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khata.core.changelog import record_change, record_event
from khata.core.choices import ChangeAction
from khata.team.access import ensure
from khata.team.choices import Role
from khata.team.models import ApiToken, User

USER_FIELDS = ["email", "name", "role", "is_active", "is_staff"]
TOKEN_PREFIX = "khata"
# A token's last-use time is written at most this often, so scripts do not turn reads into writes.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@transaction.atomic
def user_create(*, by: User | None, email: str, role: str, name: str = "",
                password: str | None = None) -> tuple[User, str]:
    """Add a person to the team; returns the user and the password they will sign in with.

    `by=None` means the command line run by the installation's administrator. Without a
    password, a strong one is generated and returned once.
    """
    if by is not None:
        ensure(by, "manage_team")
    email = (email or "").strip().lower()
    errors = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    if role not in Role.values:
        errors["role"] = [_("Role must be one of: %(roles)s.") % {"roles": ", ".join(Role.values)}]
    if not errors.get("email") and User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("A user with this e-mail already exists.")]
    generated = password is None
    if generated:
        password = secrets.token_urlsafe(12)
    else:
        try:
            validate_password(password, User(email=email, name=name))
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(email=email, password=password, name=name.strip(),
                                    role=role, is_staff=role == Role.HEAD)
    record_change(actor=by, obj=user, fields=USER_FIELDS,
                  message=_("added from the command line") if by is None else "")
    return user, password


@transaction.atomic
def user_set_password(*, by: User, user: User, password: str) -> User:
    """Set a new password for `user` (their own, or anyone's for the head); validated first."""
    if by.pk != user.pk:
        ensure(by, "manage_team")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    record_event(actor=by, action=ChangeAction.EVENT, obj=user, message=_("password changed"))
    return user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, by: User, user: User, name: str,
                 expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Make a bearer token for `user`; the secret is returned once and only its hash is kept."""
    ensure(by, "change", user)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the token a name, e.g. the script using it.")]})
    if expires_at is not None and timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)  # read in the user's time zone
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": [_("The expiry must be in the future.")]})
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=prefix,
                                    digest=_digest(raw), expires_at=expires_at)
    record_change(actor=by, obj=token, fields=["name", "prefix", "expires_at"])
    return token, raw


@transaction.atomic
def token_revoke(*, by: User, token: ApiToken) -> ApiToken:
    """Stop a token from working, at once; revoking twice changes nothing."""
    ensure(by, "change", token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        record_event(actor=by, action=ChangeAction.EVENT, obj=token, message=_("token revoked"))
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user behind a bearer token, or None; notes when the token was last used."""
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = (ApiToken.objects.select_related("user").filter(prefix=parts[1]).first())
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    if not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def sign_in_record(*, user: User, request=None) -> None:
    """Note a successful sign-in in the change log."""
    record_event(actor=user, action=ChangeAction.LOGIN, obj=user, ip_address=client_ip(request))


def sign_out_record(*, user: User | None, request=None) -> None:
    """Note a sign-out in the change log."""
    if user is not None and user.is_authenticated:
        record_event(actor=user, action=ChangeAction.LOGOUT, obj=user,
                     ip_address=client_ip(request))


def sign_in_failure_record(*, username: str, request=None) -> None:
    """Note a failed sign-in, against the account when the name belongs to one."""
    user = User.objects.filter(email__iexact=(username or "").strip()).first()
    record_event(actor=None, action=ChangeAction.LOGIN_FAILED, obj=user,
                 message=_("failed sign-in as %(name)s") % {"name": (username or "")[:150]},
                 ip_address=client_ip(request))

"""The public web-to-lead form of a search method: its keys, routing, throttle and intake.

A search method with `form_enabled` has a public form that a company puts on its own web site
in an <iframe> (issue 5, item 3). Strangers fill it in, so everything here assumes hostile input.

Two signed strings, both made with `django.core.signing` and the site's SECRET_KEY:

* the **form key** names the method in the public URL (`/f/<key>/`). It is signed so nobody can
  walk the ids of the methods, and it does not expire: it sits in the embed code on another
  site for years. Turning the form off (`form_enabled`) closes it.
* the **form token** goes in a hidden field each time the form is shown: the method's id and a
  timestamp, good for `FORM_TOKEN_MAX_AGE` (a day). It replaces Django's cookie-based CSRF check,
  which cannot work here: inside an <iframe> on another site the browser does not send our
  SameSite=Lax cookies, so every genuine post would fail. The form has no signed-in user and no
  ambient authority to abuse; what the token proves is that the sender fetched this method's
  form from us recently, so a bot cannot post blindly at the URL, replay a week-old page, or
  point one method's form at another method.

A **honeypot** field (`HONEYPOT_FIELD`), invisible to people, is filled only by bots; such a post
is answered like a success and writes nothing, so the bot learns nothing.

Routing (`route_owner`): the method's owner; round-robin over the chosen managers (the slot is
taken with a conditional UPDATE on `routing_next`, so two workers never give out the same slot);
or by the region the visitor names (`routing_regions`), falling back to the owner.

Throttling and the no-loss rule — see `sender_throttle` and `method_throttle`.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from khata.clients.selectors import company_lookalike
from khata.core.changelog import record_change
from khata.prospecting.choices import LeadStatus, Routing
from khata.prospecting.models import Lead, SearchMethod
from khata.prospecting.services import LEAD_FIELDS, lead_validate
from khata.team.choices import Role
from khata.team.models import User

FORM_KEY_SALT = "khata.prospecting.webform.key"
FORM_TOKEN_SALT = "khata.prospecting.webform.token"
FORM_TOKEN_MAX_AGE = 24 * 60 * 60  # seconds: a form left open longer is shown again, filled in
HONEYPOT_FIELD = "fax_extension"  # a plausible name bots fill in; people never see the field
# What a visitor may send; everything else in the post is ignored.
FORM_FIELDS = ("company_name", "contact_name", "job_title", "email", "phone", "city", "region",
               "message")

# (limit, period in seconds) per sender; (limit, ceiling, period) per method. A deployment may
# set KHATA_WEBFORM_LIMITS in settings to change any of them.
DEFAULT_LIMITS = {"sender": (10, 600), "method": (30, 120, 60)}


# ---------------------------------------------------------------- keys and tokens

def form_key(method: SearchMethod) -> str:
    """The signed name of the method's public form, for its URL and embed code."""
    return signing.Signer(salt=FORM_KEY_SALT).sign(str(method.pk))


def form_method(key: str) -> SearchMethod | None:
    """The method whose public form `key` names, if the key is genuine and the form is open."""
    try:
        method_id = signing.Signer(salt=FORM_KEY_SALT).unsign(key)
    except signing.BadSignature:
        return None
    if not method_id.isdigit():
        return None
    return (SearchMethod.objects.select_related("owner")
            .filter(pk=int(method_id), form_enabled=True, is_active=True).first())


def form_token(method: SearchMethod) -> str:
    """A fresh token for one showing of the method's form (the method id and the time)."""
    return signing.TimestampSigner(salt=FORM_TOKEN_SALT).sign(str(method.pk))


def form_token_valid(token: str, method: SearchMethod) -> bool:
    """True when `token` was issued by us for this method's form within the last day."""
    try:
        method_id = signing.TimestampSigner(salt=FORM_TOKEN_SALT).unsign(
            token or "", max_age=FORM_TOKEN_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return False
    return method_id == str(method.pk)


# ---------------------------------------------------------------- throttle

@dataclass(frozen=True)
class Verdict:
    """What the throttle says about one submission: take it ("accept"), keep it for review
    ("hold"), or turn it away for `retry_after` seconds ("refuse")."""

    action: str
    retry_after: int = 0


def _limits() -> dict:
    return {**DEFAULT_LIMITS, **getattr(settings, "KHATA_WEBFORM_LIMITS", {})}


def _cache():
    # The default cache unless the deployment names another (KHATA_WEBFORM_CACHE). Khata
    # configures no CACHES, so this is Django's LocMemCache: counts are per web process, and
    # with N processes a sender gets up to N× the limit. That is still a throttle: a flood is
    # cut to a bounded rate without a cache server to install. Scaling out, point it at Redis
    # or a DatabaseCache (shared by all processes). Whether counts are exact or not, no
    # genuine submission is lost (see below), so the cache may also be emptied at any time.
    return caches[getattr(settings, "KHATA_WEBFORM_CACHE", "default")]


def _hit(name: str, period: int) -> tuple[int, int]:
    """Count one more submission in the current fixed window of `period` seconds:
    (the count so far, seconds until the window ends)."""
    now = time.time()
    window = int(now // period)
    key = f"khata:webform:{name}:{window}"
    cache = _cache()
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    return count, max(1, int((window + 1) * period - now) + 1)


def sender_throttle(*, ip: str | None) -> Verdict:
    """Turn away one sender (one IP address) posting more than a person would.

    Ten forms in ten minutes from one address is more than any visitor sends; the surplus is
    answered 429 with Retry-After and nothing is written — that is the throttle. It loses no
    genuine submission: the answer shows the form again with everything typed in it and a fresh
    token, and says how many seconds to wait before pressing Send again. We do not store the
    surplus, because one address posting that fast is a script, and storing it would let a
    single machine fill the portfolio (a colleague behind the same office NAT only waits)."""
    limit, period = _limits()["sender"]
    count, retry_after = _hit(f"sender:{ip or 'unknown'}", period)
    return Verdict("refuse", retry_after) if count > limit else Verdict("accept")


def method_throttle(*, method: SearchMethod) -> Verdict:
    """Decide what happens to a valid submission when one method's form gets many at once.

    A burst from many addresses (a distributed flood, or a campaign that really worked) cannot
    be told apart from genuine interest, so past the method's limit a valid submission is
    *held*, not refused: it is saved as a lead of the method's owner (never spread over the
    round-robin), with a note asking to check it before working it, and the visitor sees the
    usual thank-you. Only past the ceiling (four times the limit a minute) is it refused with
    429, its values kept in the form as above, so the database stays bounded."""
    limit, ceiling, period = _limits()["method"]
    count, retry_after = _hit(f"method:{method.pk}", period)
    if count > ceiling:
        return Verdict("refuse", retry_after)
    return Verdict("hold") if count > limit else Verdict("accept")


# ---------------------------------------------------------------- routing

def _active(user_id) -> User | None:
    if user_id in (None, "") or not str(user_id).isdigit():
        return None
    return User.objects.filter(pk=int(user_id), is_active=True).first()


def _region_key(value: str) -> str:
    return " ".join(str(value or "").split()).casefold()


def _take_slot(method: SearchMethod) -> int:
    """The next round-robin slot, taken atomically: a compare-and-set UPDATE that succeeds only
    if nobody took the slot since we read it (PostgreSQL re-checks the WHERE after a concurrent
    writer commits; SQLite serialises writers), so two workers never hand out the same slot."""
    rows = SearchMethod.objects.filter(pk=method.pk)
    for _attempt in range(50):
        current = rows.values_list("routing_next", flat=True).get()
        # Wrap well below PositiveIntegerField's limit; the order resumes from the start.
        if rows.filter(routing_next=current).update(routing_next=(current + 1) % 2_000_000_000):
            return current
    raise RuntimeError("round-robin slot contended 50 times")  # pragma: no cover


def route_owner(*, method: SearchMethod, region: str = "") -> User:
    """Whose portfolio a web-form lead joins, by the method's rule; the method's owner when the
    rule names nobody active (an empty rotation, an unknown region, a dismissed manager)."""
    chosen = None
    if method.routing == Routing.ROUND_ROBIN:
        managers = list(method.routing_managers.filter(is_active=True).order_by("pk"))
        if managers:
            chosen = managers[_take_slot(method) % len(managers)]
    elif method.routing == Routing.BY_REGION and region:
        wanted = _region_key(region)
        for name, user_id in (method.routing_regions or {}).items():
            if _region_key(name) == wanted:
                chosen = _active(user_id)
                break
    if chosen is None:
        chosen = method.owner
    if not chosen.is_active:  # an owner dismissed without a hand-over: the head takes it
        head = User.objects.filter(is_active=True, role=Role.HEAD).order_by("pk").first()
        chosen = head or chosen
    return chosen


def region_choices(method: SearchMethod) -> list[str]:
    """The regions a visitor may pick when the form routes by region (sorted)."""
    if method.routing != Routing.BY_REGION:
        return []
    return sorted((method.routing_regions or {}).keys(), key=_region_key)


# ---------------------------------------------------------------- intake

def web_form_validate(*, method: SearchMethod, data: dict) -> tuple[dict, dict]:
    """Check a visitor's fields without writing: (clean lead values, errors by form field)."""
    fields = {name: data.get(name, "") for name in FORM_FIELDS if name != "message"}
    cleaned, errors = lead_validate(by=method.owner, data=fields)
    if not str(data.get("company_name") or "").strip():
        errors.setdefault("company_name", [_("Tell us the name of your company.")])
    if not cleaned.get("email") and not cleaned.get("phone") and "email" not in errors \
            and "phone" not in errors:
        errors["email"] = [_("Leave an e-mail address or a phone number so we can answer you.")]
    regions = region_choices(method)
    region = cleaned.get("region", "")
    if regions and region and _region_key(region) not in {_region_key(r) for r in regions}:
        errors["region"] = [_("Choose your region from the list.")]
    message = str(data.get("message") or "").strip()
    if len(message) > 5000:
        errors["message"] = [_("Keep it under %(limit)s characters.") % {"limit": 5000}]
    cleaned["notes"] = message
    return cleaned, errors


@transaction.atomic
def lead_from_web_form(*, method: SearchMethod, data: dict, ip: str | None = None,
                       held: bool = False) -> Lead:
    """Take in a lead a visitor sent through the method's public form, in the portfolio its rule
    names (a held one — sent during a burst — goes to the method's owner with a note to check
    it). Recorded in the change log as made by the web form, with the sender's address."""
    cleaned, errors = web_form_validate(method=method, data=data)
    if errors:
        raise ValidationError(errors)
    owner = method.owner if held else route_owner(method=method, region=cleaned.get("region"))
    if not owner.is_active:
        owner = route_owner(method=method)  # the head, when the owner has left
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the company's language
        if held:
            cleaned["notes"] = "\n\n".join(filter(None, [
                _("Held for review: sent during a burst of web-form submissions. Check that "
                  "it is genuine before working it."), cleaned["notes"]]))
        log_message = _("Sent through the web form of “%(method)s”.") % {"method": method.name}
    lead = Lead(search_method=method, owner=owner, status=LeadStatus.NEW, held=held, **cleaned)
    lead.matches_company = company_lookalike(
        user=owner, name=lead.company_name, city=lead.city, domain=lead.domain, email=lead.email)
    lead.save()
    record_change(actor=None, obj=lead, fields=[f for f in LEAD_FIELDS if f in cleaned or f in {
        "search_method", "owner", "status"}] + (["held"] if held else []), message=log_message,
        ip_address=ip)
    return lead

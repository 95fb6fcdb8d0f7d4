"""The public web-to-lead form (open to anyone, framed on other sites) and its embed code.

The rules behind these pages (signed key and token, honeypot, throttle, routing, the no-loss
rule) are in `khata.prospecting.webform`; these views only translate between HTTP and it.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from khata.core.forms import BootstrapFormMixin, apply_errors
from khata.prospecting.choices import Routing
from khata.prospecting.models import SearchMethod
from khata.prospecting.webform import (
    FORM_FIELDS,
    HONEYPOT_FIELD,
    form_key,
    form_method,
    form_token,
    form_token_valid,
    lead_from_web_form,
    method_throttle,
    region_choices,
    sender_throttle,
    web_form_validate,
)
from khata.team.access import ensure, get_visible_or_404
from khata.team.models import User
from khata.team.services import client_ip

# The site's policy, except that any site may frame these pages: the form is made to be put in
# an <iframe> on the company's own web site (and its agencies'), whose addresses we cannot know.
# Clickjacking the form gains nothing: it can only send us a lead.
PUBLIC_CSP = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}


def public(view):
    """Open to visitors, framable, and without Django's CSRF check.

    CSRF: inside an <iframe> on another site the browser withholds our SameSite=Lax cookies, so
    Django's cookie-based check would refuse every genuine post. There is no signed-in user here
    to abuse; the signed, expiring form token (webform.form_token) is checked instead."""
    view = csp_override(PUBLIC_CSP)(view)
    view = xframe_options_exempt(view)
    view = csrf_exempt(view)
    view = never_cache(view)  # the page carries a fresh token every time
    return login_not_required(view)


class WebLeadForm(BootstrapFormMixin, forms.Form):
    """What a visitor tells us; the service checks it the way every lead is checked."""

    company_name = forms.CharField(label=gettext_lazy("Company"), max_length=200)
    contact_name = forms.CharField(label=gettext_lazy("Your name"), max_length=200,
                                   required=False)
    job_title = forms.CharField(label=gettext_lazy("Your role"), max_length=150, required=False)
    email = forms.CharField(label=gettext_lazy("E-mail"), max_length=254, required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel",
                                                          "autocomplete": "tel"}))
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    region = forms.CharField(label=gettext_lazy("Region / state"), max_length=100,
                             required=False)
    message = forms.CharField(label=gettext_lazy("What do you need?"), max_length=5000,
                              required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, method: SearchMethod, **kwargs):
        regions = region_choices(method)
        if regions:
            self.base_fields = {**self.base_fields, "region": forms.ChoiceField(
                label=gettext_lazy("Region / state"), required=False,
                choices=[("", _("Other / not listed"))] + [(r, r) for r in regions])}
        super().__init__(*args, **kwargs)
        self.fields["company_name"].widget.attrs["autocomplete"] = "organization"

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in FORM_FIELDS}


def _page(request, method: SearchMethod, key: str, form: WebLeadForm, *, status: int = 200,
          notice: str = ""):
    return render(request, "prospecting/public/form.html", {
        "form": form, "key": key, "token": form_token(method), "notice": notice,
        "honeypot": HONEYPOT_FIELD}, status=status)


def _not_available(request):
    # Rendered here rather than raised, so the answer keeps these views' headers and a page
    # framed on another site says "not available" instead of the browser refusing the frame.
    return render(request, "prospecting/public/unavailable.html", status=404)


@public
@require_http_methods(["GET", "POST"])
def web_form_view(request, key: str):
    """The public form: shown on GET; on POST token, honeypot, throttle, checks, then a lead."""
    method = form_method(key)
    if method is None:  # a forged key, a form turned off, a method no longer in use
        return _not_available(request)
    if request.method != "POST":
        return _page(request, method, key, WebLeadForm(method=method))
    form = WebLeadForm(request.POST, method=method)
    if not form_token_valid(request.POST.get("token", ""), method):
        # Nothing is written; the visitor's values come back with a fresh token, so a form
        # left open over a day is sent again with one click instead of being typed again.
        return _page(request, method, key, form, status=400, notice=_(
            "This form was open too long. Check your details and press Send again."))
    if request.POST.get(HONEYPOT_FIELD):  # only bots fill it: answer as if all went well
        return redirect("webform:thanks", key=key)
    verdict = sender_throttle(ip=client_ip(request))
    if verdict.action == "refuse":
        return _too_many(request, method, key, form, verdict.retry_after)
    form.is_valid()
    # The service's checks too, so every mistake shows at once (under fields the form passed).
    _cleaned, errors = web_form_validate(method=method, data=form.service_data())
    apply_errors(form, ValidationError({name: messages for name, messages in errors.items()
                                        if name not in form.errors}))
    if form.errors:
        return _page(request, method, key, form, status=422)
    verdict = method_throttle(method=method)
    if verdict.action == "refuse":
        return _too_many(request, method, key, form, verdict.retry_after)
    try:
        lead_from_web_form(method=method, data=form.service_data(), ip=client_ip(request),
                           held=verdict.action == "hold")
    except ValidationError as exc:
        apply_errors(form, exc)
        return _page(request, method, key, form, status=422)
    return redirect("webform:thanks", key=key)


def _too_many(request, method, key, form, retry_after: int):
    response = _page(request, method, key, form, status=429, notice=_(
        "We are receiving many messages right now. Your details are kept below: please press "
        "Send again in %(seconds)s seconds.") % {"seconds": retry_after})
    response["Retry-After"] = str(retry_after)
    return response


@public
@require_GET
def web_form_thanks_view(request, key: str):
    """The thank-you page after a submission (also what a bot that filled the honeypot sees)."""
    if form_method(key) is None:
        return _not_available(request)
    return render(request, "prospecting/public/thanks.html", {"key": key})


def embed_code_view(request, pk: int):
    """For the method's owner (and the head): the form's address and the code to embed it."""
    method = get_visible_or_404(request.user, SearchMethod, pk)
    ensure(request.user, "change", method)  # colleagues read the method, not its embed code
    url = request.build_absolute_uri(reverse("webform:form", kwargs={"key": form_key(method)}))
    managers = []
    if method.routing == Routing.ROUND_ROBIN:
        managers = list(method.routing_managers.filter(is_active=True).order_by("pk"))
    regions = []
    if method.routing == Routing.BY_REGION:
        people = User.objects.in_bulk([int(v) for v in (method.routing_regions or {}).values()
                                       if str(v).isdigit()])
        regions = [(name, people.get(int(v)) if str(v).isdigit() else None)
                   for name, v in sorted((method.routing_regions or {}).items())]
    return render(request, "prospecting/public/embed.html", {
        "method": method, "url": url, "managers": managers, "regions": regions})

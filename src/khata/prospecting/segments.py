"""Segment rules: a whitelist of company fields and operators, validated and compiled to an
ORM condition. Never SQL built from user input: each rule becomes `Q(**{lookup: value})` with
a lookup taken from this module, and values are checked against the field's type first.

A rule set is a group::

    {"match": "all" | "any", "rules": [rule | group, …]}

and a rule is ``{"field": "industry", "op": "in", "value": ["C", "62"]}``.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from khata.clients.choices import Lifecycle, RevenueBand, SizeTier
from khata.clients.selectors import (
    company_ids_with_any_need,
    company_ids_with_need,
    industry_ids_with_codes,
)
from khata.reliability.choices import Band
from khata.reliability.selectors import band_in_q

MAX_DEPTH = 3
MAX_RULES = 50


@dataclass(frozen=True)
class Field:
    """A company field a segment may test: its label, value kind and allowed operators."""

    label: str
    kind: str  # "choice", "text", "number", "industry", "need", "days", "owner"
    ops: tuple[str, ...]
    choices: tuple[str, ...] = ()


FIELDS: dict[str, Field] = {
    "industry": Field(gettext_lazy("Industry (ISIC code)"), "industry", ("in", "not_in")),
    "size_tier": Field(gettext_lazy("Size"), "choice", ("in", "not_in"),
                       tuple(SizeTier.values)),
    "revenue_band": Field(gettext_lazy("Revenue band"), "choice", ("in", "not_in"),
                          tuple(RevenueBand.values)),
    "employees": Field(gettext_lazy("Employees"), "number", ("gte", "lte", "eq")),
    "lifecycle": Field(gettext_lazy("Lifecycle"), "choice", ("in", "not_in"),
                       tuple(Lifecycle.values)),
    "country": Field(gettext_lazy("Country"), "text", ("in", "not_in")),
    "region": Field(gettext_lazy("Region / state"), "text", ("in", "not_in", "contains")),
    "city": Field(gettext_lazy("City"), "text", ("in", "not_in", "contains")),
    "source": Field(gettext_lazy("Source"), "text", ("in", "contains")),
    "needs": Field(gettext_lazy("Needs"), "need", ("any", "all", "none")),
    "owner": Field(gettext_lazy("Owner (user id)"), "owner", ("in", "not_in")),
    "created": Field(gettext_lazy("Added (days ago)"), "days", ("within", "older")),
    "last_verified": Field(gettext_lazy("Last verified (days ago)"), "days",
                           ("within", "older", "never")),
    # The effective band: the head's override while in force, the current assessment's
    # otherwise; "is none of" includes companies not assessed yet.
    "reliability_band": Field(gettext_lazy("Reliability band"), "choice", ("in", "not_in"),
                              tuple(Band.values)),
}

OP_LABELS = {
    "in": gettext_lazy("is one of"), "not_in": gettext_lazy("is none of"),
    "contains": gettext_lazy("contains"), "gte": gettext_lazy("at least"),
    "lte": gettext_lazy("at most"), "eq": gettext_lazy("equals"),
    "any": gettext_lazy("has any of"), "all": gettext_lazy("has all of"),
    "none": gettext_lazy("has none of"), "within": gettext_lazy("within the last"),
    "older": gettext_lazy("longer ago than"), "never": gettext_lazy("never"),
}


def _fail(path: str, message: str):
    raise ValidationError({"rules": [f"{path}: {message}"]})


def _values(value, path: str) -> list:
    items = value if isinstance(value, list) else [value]
    if not items or any(item in (None, "") for item in items):
        _fail(path, _("give at least one value."))
    if len(items) > 500:
        _fail(path, _("at most 500 values."))
    return items


def _clean_rule(rule, path: str) -> dict:
    if not isinstance(rule, dict):
        _fail(path, _("a rule is an object with field, op and value."))
    if "rules" in rule:
        return _clean_group(rule, path)
    name = rule.get("field")
    field = FIELDS.get(name)
    if field is None:
        _fail(path, _("unknown field “%(field)s”; use one of: %(fields)s.")
              % {"field": name, "fields": ", ".join(FIELDS)})
    op = rule.get("op")
    if op not in field.ops:
        _fail(path, _("%(field)s takes the operators %(ops)s, not “%(op)s”.")
              % {"field": name, "ops": ", ".join(field.ops), "op": op})
    value = rule.get("value")
    if field.kind == "days":
        if op == "never":
            return {"field": name, "op": op, "value": None}
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36500:
            _fail(path, _("%(field)s needs a whole number of days (0–36500).") % {"field": name})
    elif field.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            _fail(path, _("%(field)s needs a whole number, 0 or more.") % {"field": name})
    elif field.kind in {"need", "owner"}:
        value = _values(value, path)
        if any(isinstance(item, bool) or not isinstance(item, int) for item in value):
            _fail(path, _("%(field)s takes ids (whole numbers).") % {"field": name})
    else:
        value = _values(value, path) if op != "contains" else value
        if op == "contains":
            if not isinstance(value, str) or not value.strip():
                _fail(path, _("“contains” needs some text."))
            value = value.strip()[:100]
        elif any(not isinstance(item, str) for item in value):
            _fail(path, _("%(field)s takes text values.") % {"field": name})
        elif name == "reliability_band":
            value = [item.strip().upper() for item in value]
            wrong = [item for item in value if item not in field.choices]
            if wrong:
                _fail(path, _("there is no reliability band %(wrong)s; bands run from A "
                              "(very reliable) to E (do not extend credit).")
                      % {"wrong": ", ".join(f"“{item}”" for item in wrong)})
        elif field.kind == "choice":
            wrong = [item for item in value if item not in field.choices]
            if wrong:
                _fail(path, _("%(field)s has no value %(wrong)s; use %(values)s.") % {
                    "field": name, "wrong": ", ".join(wrong),
                    "values": ", ".join(field.choices)})
        elif field.kind == "industry" or name == "country":
            value = [item.strip().upper() for item in value]
        else:
            value = [item.strip() for item in value]
    return {"field": name, "op": op, "value": value}


def _clean_group(group, path: str, depth: int = 1) -> dict:
    if not isinstance(group, dict):
        _fail(path, _("rules are an object: {\"match\": \"all\", \"rules\": [...]}."))
    match = group.get("match", "all")
    if match not in {"all", "any"}:
        _fail(path, _("match is “all” or “any”."))
    rules = group.get("rules")
    if not isinstance(rules, list):
        _fail(path, _("“rules” is a list."))
    if depth > MAX_DEPTH:
        _fail(path, _("groups nest at most %(n)s deep.") % {"n": MAX_DEPTH})
    cleaned = []
    for index, rule in enumerate(rules):
        sub = f"{path}.rules[{index}]"
        if isinstance(rule, dict) and "rules" in rule:
            cleaned.append(_clean_group(rule, sub, depth + 1))
        else:
            cleaned.append(_clean_rule(rule, sub))
    return {"match": match, "rules": cleaned}


def validate_rules(rules) -> dict:
    """The rules in canonical form, or a ValidationError on `rules` naming where and why."""
    cleaned = _clean_group(rules, "rules")
    if _count(cleaned) > MAX_RULES:
        _fail("rules", _("at most %(n)s rules in a segment.") % {"n": MAX_RULES})
    return cleaned


def _count(group: dict) -> int:
    return sum(_count(rule) if "rules" in rule else 1 for rule in group["rules"])


def _industry_q(codes: list[str]) -> Q:
    # A subquery on the industry ids, not joins: the OR across two joined tables made
    # PostgreSQL read every company; on the column alone an index serves "industry and
    # region" (company_region_industry_idx).
    return Q(industry_id__in=industry_ids_with_codes(codes))


def _rule_q(rule: dict, now) -> Q:
    name, op, value = rule["field"], rule["op"], rule["value"]
    field = FIELDS[name]
    if field.kind == "days":
        column = "created_at" if name == "created" else "last_verified_at"
        if op == "never":
            return Q(**{f"{column}__isnull": True})
        since = now - timedelta(days=value)
        return Q(**{f"{column}__gte": since}) if op == "within" else Q(**{f"{column}__lt": since})
    if field.kind == "number":
        return Q(**{f"employees__{'exact' if op == 'eq' else op}": value})
    if field.kind == "need":
        # Subqueries, never a join: no rule repeats a company, so member lists and counts
        # need no DISTINCT (which made PostgreSQL de-duplicate every member of a segment).
        if op == "any":
            return Q(pk__in=company_ids_with_any_need(value))
        if op == "none":
            return ~Q(pk__in=company_ids_with_any_need(value))
        condition = Q()
        for need in value:  # every need: one subquery per need keeps rows single
            condition &= Q(pk__in=company_ids_with_need(need))
        return condition
    if field.kind == "industry":
        condition = _industry_q(value)
        return ~condition if op == "not_in" else condition
    if name == "reliability_band":
        condition = band_in_q(value, now)
        return ~condition if op == "not_in" else condition
    column = "owner_id" if name == "owner" else name
    if op == "contains":
        return Q(**{f"{column}__icontains": value})
    condition = Q(**{f"{column}__in": value})
    return ~condition if op == "not_in" else condition


def compile_rules(rules: dict, now=None) -> Q:
    """The condition on companies that `rules` (already validated) describe."""
    now = now or timezone.now()
    parts = [(_compile_group(rule, now) if "rules" in rule else _rule_q(rule, now))
             for rule in rules["rules"]]
    return _combine(parts, rules["match"])


def _compile_group(group: dict, now) -> Q:
    return compile_rules(group, now)


def _combine(parts: list[Q], match: str) -> Q:
    if not parts:
        return Q()
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part if match == "all" else combined | part
    return combined


def describe(rules: dict) -> str:
    """The rules in words, e.g. "Industry is one of C, 62 and Size is one of small"."""
    words = []
    for rule in rules.get("rules", []):
        if "rules" in rule:
            words.append(f"({describe(rule)})")
            continue
        field = FIELDS[rule["field"]]
        value = rule["value"]
        shown = ", ".join(map(str, value)) if isinstance(value, list) else (
            "" if value is None else str(value))
        words.append(f"{field.label} {OP_LABELS[rule['op']]} {shown}".strip())
    joiner = f" {_('and') if rules.get('match', 'all') == 'all' else _('or')} "
    return joiner.join(words) or _("every company")

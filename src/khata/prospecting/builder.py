"""The segment builder's form: groups of rule rows a person fills in, turned into the rules
JSON that `segments.validate_rules` checks (and back, to edit a saved segment).

Field names in the POST: `match` (how groups combine), `g0-match` (inside group 0), and per
row `g0-1-field`, `g0-1-op`, `g0-1-value`. Values are typed as people type them: lists
comma-separated, needs by name, owners by e-mail, days and numbers as digits.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from khata.clients.selectors import needs_all
from khata.prospecting.segments import FIELDS, OP_LABELS, validate_rules
from khata.team.access import colleagues
from khata.team.models import User

ROW = re.compile(r"^g(\d+)-(\d+)-field$")


@dataclass
class Row:
    field: str = ""
    op: str = ""
    value: str = ""
    error: str = ""


@dataclass
class Group:
    match: str = "all"
    rows: list[Row] = field(default_factory=list)


def field_choices() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(field, label, [(op, label)…]) for the builder's selects."""
    return [(name, str(spec.label), [(op, str(OP_LABELS[op])) for op in spec.ops])
            for name, spec in FIELDS.items()]


def _parse_value(name: str, op: str, text: str, errors: list[str], user):
    spec = FIELDS.get(name)
    text = (text or "").strip()
    if spec is None:
        return text
    if spec.kind == "days" and op == "never":
        return None
    if spec.kind in {"days", "number"}:
        return int(text) if text.isdigit() else text
    if op == "contains":
        return text
    items = [part.strip() for part in text.split(",") if part.strip()]
    if spec.kind == "need":
        by_name = {need.name.casefold(): need.pk for need in needs_all()}
        missing = [item for item in items if item.casefold() not in by_name]
        if missing:
            errors.append(_("No need called %(names)s.") % {"names": ", ".join(missing)})
        return [by_name[item.casefold()] for item in items if item.casefold() in by_name]
    if spec.kind == "owner":
        found = dict(colleagues(user, User.objects.filter(email__in=[i.lower() for i in items]))
                     .values_list("email", "pk"))
        missing = [item for item in items if item.lower() not in found]
        if missing:
            errors.append(_("No colleague with the e-mail %(emails)s.")
                          % {"emails": ", ".join(missing)})
        return [found[item.lower()] for item in items if item.lower() in found]
    return items


def groups_from_post(post) -> tuple[str, list[Group]]:
    """The builder's state as submitted, blank rows dropped."""
    indexes: dict[int, set[int]] = {}
    for key in post:
        match = ROW.match(key)
        if match:
            indexes.setdefault(int(match[1]), set()).add(int(match[2]))
    for key in post:
        if re.match(r"^g(\d+)-match$", key):
            indexes.setdefault(int(key[1:].split("-")[0]), set())
    groups = []
    for g in sorted(indexes):
        group = Group(match=post.get(f"g{g}-match", "all"))
        for r in sorted(indexes[g]):
            row = Row(post.get(f"g{g}-{r}-field", ""), post.get(f"g{g}-{r}-op", ""),
                      post.get(f"g{g}-{r}-value", ""))
            if row.field:
                group.rows.append(row)
        groups.append(group)
    return post.get("match", "all"), groups or [Group()]


def rules_from_groups(match: str, groups: list[Group], *, user) -> dict:
    """Validated rules for the builder's groups; errors land on the rows they concern and are
    raised as one ValidationError on `rules`."""
    problems = []
    built_groups = []
    for group in groups:
        rules = []
        for row in group.rows:
            errors: list[str] = []
            rules.append({"field": row.field, "op": row.op,
                          "value": _parse_value(row.field, row.op, row.value, errors, user)})
            if errors:
                row.error = " ".join(errors)
                problems.append(row.error)
        built_groups.append({"match": group.match, "rules": rules})
    rules = (built_groups[0] if len(built_groups) == 1
             else {"match": match, "rules": [g for g in built_groups if g["rules"]]})
    if problems:
        raise ValidationError({"rules": problems})
    try:
        return validate_rules(rules)
    except ValidationError as exc:
        _mark_rows(exc, groups, single=len(built_groups) == 1)
        raise


def _mark_rows(exc: ValidationError, groups: list[Group], *, single: bool) -> None:
    for message in exc.message_dict.get("rules", []):
        found = re.match(r"^rules(?:\.rules\[(\d+)\])?(?:\.rules\[(\d+)\])?: (.*)$", message)
        if not found:
            continue
        first, second, text = found.groups()
        if single and first is not None:
            group, row = 0, int(first)
        elif first is not None and second is not None:
            group, row = int(first), int(second)
        else:
            continue
        if group < len(groups) and row < len(groups[group].rows):
            groups[group].rows[row].error = text


def groups_from_rules(rules: dict, *, user) -> tuple[str, list[Group]]:
    """A saved segment's rules as the builder shows them."""
    need_names = {need.pk: need.name for need in needs_all()}
    emails = dict(colleagues(user, User.objects.all()).values_list("pk", "email"))
    items = rules.get("rules", [])
    if not any("rules" in item for item in items):
        return "all", [Group(rules.get("match", "all"), [_row(item, need_names, emails)
                                                         for item in items])]
    groups = [Group(item["match"], [_row(rule, need_names, emails) for rule in item["rules"]
                                    if "rules" not in rule])
              for item in items if "rules" in item]
    plain = [_row(item, need_names, emails) for item in items if "rules" not in item]
    if plain:
        groups.insert(0, Group("all", plain))
    return rules.get("match", "all"), groups


def _row(rule: dict, need_names: dict, emails: dict) -> Row:
    value = rule.get("value")
    if rule["field"] == "needs":
        value = [need_names.get(pk, str(pk)) for pk in value]
    elif rule["field"] == "owner":
        value = [emails.get(pk, str(pk)) for pk in value]
    text = ", ".join(map(str, value)) if isinstance(value, list) else (
        "" if value is None else str(value))
    return Row(rule["field"], rule["op"], text)

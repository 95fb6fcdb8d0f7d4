"""What apps above the client database add to it without clients importing them: panels on
a company's or a contact's page (the fit score and product match from prospecting, quick-log
and plans from planning; later reliability, deals…), loaded by htmx from the app's own URL,
and steps a company merge runs before it moves the related records. Each app registers here
when Django starts (its AppConfig.ready)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CompanyPanel:
    """A fragment shown on the company page: a stable key and the URL name that renders it
    (it takes the company's `pk`)."""

    key: str
    url_name: str


COMPANY_PANELS: list[CompanyPanel] = []


def register_company_panel(panel: CompanyPanel) -> None:
    """Add a panel once (ready() may run twice in tests)."""
    if panel not in COMPANY_PANELS:
        COMPANY_PANELS.append(panel)


@dataclass(frozen=True)
class ContactPanel:
    """A fragment shown on a contact's page: a stable key and the URL name that renders it
    (it takes the contact's `pk`)."""

    key: str
    url_name: str


CONTACT_PANELS: list[ContactPanel] = []


def register_contact_panel(panel: ContactPanel) -> None:
    """Add a contact panel once."""
    if panel not in CONTACT_PANELS:
        CONTACT_PANELS.append(panel)


# Called as hook(by=user, survivor=company, other=company) inside the merge's transaction,
# before `other`'s records move: an app whose records may not simply move (planning: one
# running enrolment per plan and company) settles them first, and records what it did. What
# the hook returns (JSON: what it changed) is kept with the merge under the hook's name.
MERGE_HOOKS: dict[str, Callable] = {}
# Called as undo(by=user, survivor=company, other=company, settled=what the hook returned,
# None if nothing) inside every undo's transaction, after `other`'s records came back: puts
# back what the hook changed, where nothing has changed it since.
MERGE_UNDO_HOOKS: dict[str, Callable] = {}


def register_merge_hook(hook: Callable, *, name: str = "", undo: Callable | None = None
                        ) -> None:
    """Add a step to every company merge once, and, with `undo`, to every undo of one. `name`
    keys what the hook settled in the merges kept (`Merge.settled`): give a fixed one with
    `undo`, so a renamed function still finds the records of older merges."""
    name = name or f"{hook.__module__}.{hook.__qualname__}"
    MERGE_HOOKS.setdefault(name, hook)
    if undo is not None:
        MERGE_UNDO_HOOKS[name] = undo

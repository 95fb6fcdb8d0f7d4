"""Extra panels on a company's page that apps above the client database provide (the fit
score and product match from prospecting; later reliability, deals…). The company page loads
each by htmx from the app's own URL, so clients never imports those apps: they register their
panel here when Django starts (their AppConfig.ready)."""

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

"""plotly figure specs for the analysis pages, built from selector rows (plain dicts, drawn by
static/prospecting/charts.js with plotly's bundled library). Every bar carries the URL of the
list behind it, so a click drills down."""

from django.urls import reverse
from django.utils.translation import gettext as _

from khata.prospecting.selectors import AudienceRow, MethodFigures, SegmentFigures


def _layout(title: str, x_title: str, y_title: str, **extra) -> dict:
    return {"title": {"text": title}, "xaxis": {"title": {"text": x_title}, "automargin": True},
            "yaxis": {"title": {"text": y_title}, "automargin": True},
            "margin": {"t": 48, "r": 16, "b": 16, "l": 16}, "height": 360,
            "legend": {"orientation": "h", "y": -0.25}, **extra}


def audience_chart(rows: list[AudienceRow], *, title: str, axis: str) -> dict:
    """Stacked bars: prospects, clients and former clients per value of a dimension."""
    companies = reverse("clients:companies")
    labels = [row.label for row in rows]
    series = [(_("Prospects"), "prospect", [row.prospects for row in rows]),
              (_("Clients"), "client", [row.clients for row in rows]),
              (_("Former clients"), "former", [row.former for row in rows])]
    return {"data": [{"type": "bar", "name": name, "x": labels, "y": values,
                      "customdata": [f"{companies}?{row.query}&lifecycle={lifecycle}"
                                     for row in rows]}
                     for name, lifecycle, values in series],
            "layout": _layout(title, axis, _("Companies"), barmode="stack")}


def methods_chart(figures: list[MethodFigures]) -> dict:
    """Leads, qualified and won clients per search method."""
    leads = reverse("prospecting:leads")
    names = [figure.method.name for figure in figures]
    urls = [f"{leads}?search_method={figure.method.pk}" for figure in figures]
    return {"data": [
        {"type": "bar", "name": _("Leads"), "x": names,
         "y": [figure.leads for figure in figures], "customdata": urls},
        {"type": "bar", "name": _("Qualified"), "x": names,
         "y": [figure.qualified for figure in figures],
         "customdata": [f"{url}&status=qualified" for url in urls]},
        {"type": "bar", "name": _("Clients"), "x": names,
         "y": [figure.clients for figure in figures],
         "customdata": [f"{url}&status=qualified" for url in urls]},
    ], "layout": _layout(_("What each search method brought"), _("Search method"),
                         _("Leads"), barmode="group")}


def segments_chart(figures: list[SegmentFigures]) -> dict:
    """Win rate per segment (share of its companies ever won)."""
    return {"data": [{
        "type": "bar", "name": _("Win rate"), "x": [f.segment.name for f in figures],
        "y": [round(100 * (f.win_rate or 0), 1) for f in figures],
        "customdata": [reverse("prospecting:segment", args=[f.segment.pk]) for f in figures],
    }], "layout": _layout(_("Which segments pay off"), _("Segment"), _("Won, % of members"))}


def trend_chart(rows: list[dict]) -> dict:
    """Leads per month, one line per search method."""
    by_method: dict[str, dict] = {}
    for row in rows:
        line = by_method.setdefault(row["search_method__name"], {"x": [], "y": []})
        line["x"].append(row["month"].date().isoformat())
        line["y"].append(row["leads"])
    return {"data": [{"type": "scatter", "mode": "lines+markers", "name": name, **line}
                     for name, line in sorted(by_method.items())],
            "layout": _layout(_("Leads per month"), _("Month"), _("Leads"))}

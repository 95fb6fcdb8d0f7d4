"""The manager's qualitative checklist and the points each answer carries.

Points are log-odds points added to the prior odds of serious delinquency (90+ days beyond
terms within 12 months): +0.7 roughly doubles the odds, -0.7 halves them. They are expert
judgement, not estimates: they let a brand-new prospect be assessed at all. When a learned
model is trained (``learned.py``), the same answers are features and their weight comes from
the data instead.

============================  =====================================================  ==========
question                      answer -> points                                        unknown
============================  =====================================================  ==========
years in business             < 2: +0.8, 2-5: +0.4, 5-10: 0, >= 10: -0.3             0, wider
registry status               active: 0; struck off or in liquidation: hard stop      +0.3, wider
open legal disputes           yes: +0.7, no: -0.1                                     0, wider
trade references              good: -0.3, poor or refused: +0.6                       0, wider
beneficial ownership known    yes: -0.1, no: +0.5                                     0, wider
============================  =====================================================  ==========

A hard stop (the registry says the company no longer exists or is being wound up) puts the
assessment in band E whatever else is known. "Wider" means the unanswered question widens
the interval of the assessment (``assessment.py``) instead of moving the estimate.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np


class RegistryStatus(StrEnum):
    """What the company registry says about the company."""

    ACTIVE = "active"
    STRUCK_OFF = "struck_off"
    IN_LIQUIDATION = "in_liquidation"
    UNKNOWN = "unknown"


class References(StrEnum):
    """What the trade references said."""

    NOT_CHECKED = "not_checked"
    GOOD = "good"
    POOR = "poor"


REGISTRY_CODES: tuple[RegistryStatus, ...] = tuple(RegistryStatus)
REFERENCE_CODES: tuple[References, ...] = tuple(References)
ITEMS: tuple[str, ...] = (
    "years_in_business",
    "registry_status",
    "legal_disputes",
    "references",
    "ownership_known",
)
ITEM_LABELS = {
    "years_in_business": "years in business",
    "registry_status": "registry status",
    "legal_disputes": "open legal disputes",
    "references": "trade references",
    "ownership_known": "beneficial ownership known",
}


@dataclass(frozen=True)
class Checklist:
    """The answers, with who gave them and when (None = not answered)."""

    answered_by: str
    answered_on: date
    years_in_business: float | None = None
    registry_status: RegistryStatus = RegistryStatus.UNKNOWN
    legal_disputes: bool | None = None
    references: References = References.NOT_CHECKED
    ownership_known: bool | None = None

    @property
    def source(self) -> str:
        """Where the answers came from, for a person reading the factors."""
        return f"checklist answered by {self.answered_by} on {self.answered_on.isoformat()}"


@dataclass(frozen=True)
class ChecklistItem:
    """One answer, its points, and whether it told us anything."""

    name: str
    label: str
    answer: str
    points: float
    informative: bool


@dataclass(frozen=True)
class ChecklistScore:
    """The checklist read as log-odds points, with the hard stop if there is one."""

    items: tuple[ChecklistItem, ...]
    points: float
    hard_stop: bool
    answered_share: float
    source: str

    @property
    def unanswered(self) -> tuple[str, ...]:
        """The questions that told us nothing."""
        return tuple(i.name for i in self.items if not i.informative)


def tri_state(value: bool | None) -> int:
    """A yes/no/unknown answer as 1/0/-1 (the batch encoding)."""
    return -1 if value is None else int(value)


def checklist_points(
    years: np.ndarray,
    registry: np.ndarray,
    disputes: np.ndarray,
    references: np.ndarray,
    ownership: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised scoring: points (n x 5, in ITEMS order), hard stop, informative (n x 5).

    ``years`` is float (NaN unknown); ``registry`` and ``references`` index REGISTRY_CODES and
    REFERENCE_CODES; ``disputes`` and ``ownership`` are 1 yes, 0 no, -1 unknown.
    """
    n = years.shape[0]
    points = np.zeros((n, len(ITEMS)))
    known_years = ~np.isnan(years)
    with np.errstate(invalid="ignore"):
        points[:, 0] = np.select(
            [years < 2, years < 5, years < 10, years >= 10], [0.8, 0.4, 0.0, -0.3], 0.0
        )
    points[:, 0] = np.where(known_years, points[:, 0], 0.0)
    unknown_registry = registry == REGISTRY_CODES.index(RegistryStatus.UNKNOWN)
    points[:, 1] = np.where(unknown_registry, 0.3, 0.0)
    points[:, 2] = np.select([disputes == 1, disputes == 0], [0.7, -0.1], 0.0)
    points[:, 3] = np.select(
        [
            references == REFERENCE_CODES.index(References.GOOD),
            references == REFERENCE_CODES.index(References.POOR),
        ],
        [-0.3, 0.6],
        0.0,
    )
    points[:, 4] = np.select([ownership == 1, ownership == 0], [-0.1, 0.5], 0.0)
    hard_stop = (registry == REGISTRY_CODES.index(RegistryStatus.STRUCK_OFF)) | (
        registry == REGISTRY_CODES.index(RegistryStatus.IN_LIQUIDATION)
    )
    informative = np.stack(
        [
            known_years,
            ~unknown_registry,
            disputes >= 0,
            references != REFERENCE_CODES.index(References.NOT_CHECKED),
            ownership >= 0,
        ],
        axis=1,
    )
    return points, hard_stop, informative


def score_checklist(checklist: Checklist) -> ChecklistScore:
    """Read one checklist with the table in this module's docstring."""
    cols = checklist_columns([checklist])
    points, hard_stop, informative = checklist_points(
        cols["years"], cols["registry"], cols["disputes"], cols["references"], cols["ownership"]
    )
    answers = (
        "unknown"
        if checklist.years_in_business is None
        else f"{checklist.years_in_business:g} years",
        checklist.registry_status.value.replace("_", " "),
        {None: "unknown", True: "yes", False: "no"}[checklist.legal_disputes],
        checklist.references.value.replace("_", " "),
        {None: "unknown", True: "yes", False: "no"}[checklist.ownership_known],
    )
    items = tuple(
        ChecklistItem(name, ITEM_LABELS[name], answer, float(points[0, k]), bool(informative[0, k]))
        for k, (name, answer) in enumerate(zip(ITEMS, answers, strict=True))
    )
    return ChecklistScore(
        items=items,
        points=float(points[0].sum()),
        hard_stop=bool(hard_stop[0]),
        answered_share=float(informative[0].mean()),
        source=checklist.source,
    )


def checklist_columns(items: Sequence[Checklist | None]) -> dict[str, np.ndarray]:
    """Checklists encoded for the batch path (a missing checklist is all "unknown")."""
    blank = Checklist(answered_by="", answered_on=date.min)
    filled = [blank if c is None else c for c in items]
    return {
        "years": np.array(
            [math.nan if c.years_in_business is None else c.years_in_business for c in filled],
            dtype=float,
        ),
        "registry": np.array([REGISTRY_CODES.index(c.registry_status) for c in filled], np.int8),
        "disputes": np.array([tri_state(c.legal_disputes) for c in filled], np.int8),
        "references": np.array([REFERENCE_CODES.index(c.references) for c in filled], np.int8),
        "ownership": np.array([tri_state(c.ownership_known) for c in filled], np.int8),
    }

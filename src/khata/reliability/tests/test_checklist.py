"""The checklist's documented points."""

from datetime import date

import pytest

from khata.reliability.scoring.checklist import (
    Checklist,
    References,
    RegistryStatus,
    score_checklist,
)

ON = date(2026, 3, 1)


def test_unanswered_checklist_is_neutral_but_says_what_is_unknown():
    result = score_checklist(Checklist("Asha Rao", ON))

    assert result.points == pytest.approx(0.3)  # unknown registry status
    assert result.answered_share == 0
    assert len(result.unanswered) == 5
    assert not result.hard_stop
    assert result.source == "checklist answered by Asha Rao on 2026-03-01"


@pytest.mark.parametrize(
    ("years", "points"), [(0.5, 0.8), (2, 0.4), (4.9, 0.4), (5, 0.0), (9, 0.0), (10, -0.3)]
)
def test_years_in_business(years, points):
    result = score_checklist(
        Checklist("A", ON, years_in_business=years, registry_status=RegistryStatus.ACTIVE)
    )

    assert result.items[0].points == points


def test_worst_answers_add_up():
    result = score_checklist(
        Checklist(
            "A",
            ON,
            years_in_business=1,
            registry_status=RegistryStatus.ACTIVE,
            legal_disputes=True,
            references=References.POOR,
            ownership_known=False,
        )
    )

    assert result.points == pytest.approx(0.8 + 0.7 + 0.6 + 0.5)
    assert result.answered_share == 1


@pytest.mark.parametrize("status", [RegistryStatus.STRUCK_OFF, RegistryStatus.IN_LIQUIDATION])
def test_gone_from_the_registry_is_a_hard_stop(status):
    assert score_checklist(Checklist("A", ON, registry_status=status)).hard_stop

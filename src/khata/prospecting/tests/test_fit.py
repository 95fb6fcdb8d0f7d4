"""The fit's learning and explaining, on plain rows (no database)."""

import random

import pytest

from khata.prospecting.fit import (
    MIN_NOT_WON,
    MIN_WON,
    Facts,
    NotEnoughData,
    explain,
    factor_words,
    features,
    fingerprint,
    train,
)

IT = {"industry_code": "62", "industry_name": "Computer programming",
      "section_code": "J", "section_name": "Information and communication"}
FOOD = {"industry_code": "10", "industry_name": "Manufacture of food products",
        "section_code": "C", "section_name": "Manufacturing"}


def synthetic(count: int = 400, seed: int = 7) -> list[tuple[Facts, bool]]:
    """Companies in IT services (62) are won four times in five; food makers one in five.
    Size and region are noise."""
    rnd = random.Random(seed)
    rows = []
    for index in range(count):
        it = index % 2 == 0
        won = rnd.random() < (0.8 if it else 0.2)
        facts = Facts(company_id=index + 1, **(IT if it else FOOD),
                      size_tier=rnd.choice(["small", "medium", "large"]),
                      region=rnd.choice(["Maharashtra", "Karnataka"]), country="IN",
                      source=rnd.choice(["referral", "exhibition"]))
        rows.append((facts, won))
    return rows


def test_the_industry_that_wins_clients_raises_the_score():
    trained = train(synthetic())

    assert trained.weights["industry:62"] > 0.5
    assert trained.weights["industry:10"] < -0.5
    it_company = explain(Facts(company_id=9001, **IT, size_tier="small"), trained)
    food_company = explain(Facts(company_id=9002, **FOOD, size_tier="small"), trained)
    assert it_company.score > 65 > 35 > food_company.score
    top = it_company.factors[0]
    assert top.key in {"industry:62", "section:J"} and top.points > 0
    assert factor_words(top).startswith(f"+{top.points} point")


def test_a_thin_history_is_refused_with_how_thin_it_is():
    rows = synthetic(200)
    won_rows = [row for row in rows if row[1]][:12]
    not_won_rows = [row for row in rows if not row[1]][:40]

    with pytest.raises(NotEnoughData) as refusal:
        train(won_rows + not_won_rows)

    assert refusal.value.message == (
        f"Not enough won clients yet: 12 of the {MIN_WON} needed.")
    assert refusal.value.won == 12 and refusal.value.not_won == 40


def test_both_sides_too_thin_says_both():
    rows = synthetic(200)
    few = [row for row in rows if row[1]][:5] + [row for row in rows if not row[1]][:3]

    with pytest.raises(NotEnoughData) as refusal:
        train(few, mature_days=180)

    assert "5 of the 30 needed" in refusal.value.message
    assert f"older than 180 days): 3 of the {MIN_NOT_WON} needed" in refusal.value.message


def test_the_points_add_up_to_the_score():
    trained = train(synthetic())

    for facts, _won in synthetic(60, seed=11):
        explanation = explain(facts, trained)
        assert 0 <= explanation.score <= 100
        assert (explanation.baseline + sum(f.points for f in explanation.factors)
                == explanation.score)
        for factor in explanation.factors:  # a weight never gives points the other way
            assert factor.points * factor.weight >= 0


def test_unknown_and_rare_attributes_carry_no_weight():
    rows = synthetic()
    odd = Facts(company_id=5000, **IT, region="Goa")  # Goa appears nowhere in training
    rows.append((odd, True))

    trained = train(rows)

    assert "region:goa" not in trained.weights  # seen once: below the support threshold
    explanation = explain(Facts(company_id=9003, region="Atlantis"), trained)
    assert explanation.factors == []
    assert explanation.score == explanation.baseline


def test_free_text_is_one_attribute_however_it_is_written():
    a = features(Facts(company_id=1, region="Tamil  Nadu", source="Referral"))
    b = features(Facts(company_id=2, region="tamil nadu", source="referral "))

    assert set(a) == set(b) == {"region:tamil nadu", "source:referral"}


def test_a_section_only_company_has_no_division_attribute():
    found = features(Facts(company_id=1, industry_code="J", industry_name="Information",
                           section_code="J", section_name="Information"))

    assert set(found) == {"section:J"}


def test_the_same_rows_give_the_same_fingerprint():
    rows = synthetic(100)

    assert fingerprint(rows) == fingerprint(list(reversed(rows)))
    flipped = [(rows[0][0], not rows[0][1]), *rows[1:]]
    assert fingerprint(flipped) != fingerprint(rows)

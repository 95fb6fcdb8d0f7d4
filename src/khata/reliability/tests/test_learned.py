"""The learned model: refusal, calibration, explanation and storage."""

from datetime import date

import numpy as np
import pytest

from khata.reliability.scoring.learned import (
    FEATURES,
    FeatureRow,
    NotEnoughHistory,
    TrainedModel,
    TrainingRow,
    train_matrix,
)

ON = date(2026, 3, 1)


def synthetic(n, seed=1):
    rng = np.random.default_rng(seed)
    x = np.full((n, len(FEATURES)), np.nan)
    dbt = rng.gamma(2.0, 8.0, n)
    x3 = rng.normal(0.06, 0.08, n)
    x[:, FEATURES.index("dbt_weighted")] = dbt
    x[:, FEATURES.index("x3")] = x3
    x[:, FEATURES.index("has_statement")] = 1.0
    x[:, FEATURES.index("has_payments")] = 1.0
    logit = -3.2 + 0.06 * (dbt - 16) - 8 * (x3 - 0.06)
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return x, y


def test_refuses_thin_history_and_says_the_counts():
    x, y = synthetic(400)
    y[:] = False
    y[:10] = True

    with pytest.raises(NotEnoughHistory) as error:
        train_matrix(x, y, trained_on=ON)

    assert (error.value.positives, error.value.negatives) == (10, 390)
    assert "10 serious delinquencies" in str(error.value)


def test_learns_the_direction_and_is_calibrated_on_unseen_rows():
    x, y = synthetic(20_000)

    model = train_matrix(x, y, trained_on=ON)

    coef = dict(zip(model.features, model.coefficients, strict=True))
    assert coef["dbt_weighted"] > 0 and coef["x3"] < 0
    assert model.metrics["auc"] > 0.7
    x_new, y_new = synthetic(20_000, seed=2)
    p, _, _ = model.predict_many(x_new)
    assert p.mean() == pytest.approx(y_new.mean(), abs=0.01)
    assert model.calibration == "isotonic"
    assert model.training_size == 20_000 and model.trained_on == ON


def test_prediction_is_explained_in_log_odds_points():
    x, y = synthetic(5_000)
    model = train_matrix(x, y, trained_on=ON)
    row = FeatureRow(has_statement=1.0, has_payments=1.0, dbt_weighted=60.0, x3=-0.1)

    prediction = model.predict(row)

    total = prediction.intercept + sum(c.points for c in prediction.contributions)
    assert total == pytest.approx(prediction.log_odds)
    assert prediction.contributions[0].name in {"dbt_weighted", "x3"}
    assert prediction.contributions[0].points > 0
    assert prediction.low <= prediction.probability <= prediction.high
    imputed = {c.name for c in prediction.contributions if c.imputed}
    assert "x1" in imputed and "dbt_weighted" not in imputed


def test_round_trips_through_json_exactly():
    x, y = synthetic(3_000)
    model = train_matrix(x, y, trained_on=ON)

    again = TrainedModel.from_json(model.to_bytes())

    assert again == model
    np.testing.assert_array_equal(again.predict_many(x)[0], model.predict_many(x)[0])


def test_small_calibration_sets_use_platt_scaling():
    x, y = synthetic(3_000)

    model = train_matrix(x, y, trained_on=ON)

    assert model.calibration == "platt"


def test_rows_api_matches_matrix_api():
    x, y = synthetic(1_000)
    rows = [TrainingRow(FeatureRow(*map(float, r)), bool(t)) for r, t in zip(x, y, strict=True)]

    from khata.reliability.scoring.learned import train

    assert train(rows, trained_on=ON) == train_matrix(x, y, trained_on=ON)

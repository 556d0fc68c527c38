"""Evaluation metrics checked against hand computations on small examples."""

import json
import math

import numpy as np
import pytest

from tonlage.eval.lexicon import cue_matches, lexicon_scores
from tonlage.eval.metrics import (
    EvaluationError,
    bootstrap_f1,
    cooccurrence,
    expected_calibration_error,
    json_safe,
    paired_bootstrap,
    ranking_scores,
    reliability_bins,
)
from tonlage.training.metrics import label_scores, multi_hot, threshold_sweep

LABELS = ["warning", "insult", "sarcasm"]
GOLD = [["warning"], ["warning", "insult"], [], ["sarcasm"], ["insult"], []]
PRED = [["warning"], ["warning"], ["insult"], ["sarcasm", "warning"], ["insult"], []]


def test_label_scores_match_a_hand_computation_on_six_rows():
    y_true, y_pred = multi_hot(GOLD, LABELS), multi_hot(PRED, LABELS)
    scores = label_scores(y_true, y_pred, LABELS)
    # warning: gold rows 1, 2; predicted rows 1, 2, 4 -> tp 2, fp 1, fn 0
    #   precision 2/3, recall 2/2 = 1, F1 = 2*2 / (2*2 + 1 + 0) = 4/5
    # insult: gold rows 2, 5; predicted rows 3, 5 -> tp 1 (row 5), fp 1 (row 3), fn 1 (row 2)
    #   precision 1/2, recall 1/2, F1 = 2*1 / (2*1 + 1 + 1) = 1/2
    # sarcasm: gold row 4; predicted row 4 -> tp 1, fp 0, fn 0 -> precision = recall = F1 = 1
    expected = {
        "warning": (2 / 3, 1.0, 4 / 5, 2),
        "insult": (1 / 2, 1 / 2, 1 / 2, 2),
        "sarcasm": (1.0, 1.0, 1.0, 1),
    }
    for label, (p, r, f, s) in expected.items():
        got = scores["per_label"][label]
        assert got["precision"] == pytest.approx(p)
        assert got["recall"] == pytest.approx(r)
        assert got["f1"] == pytest.approx(f)
        assert got["support"] == s
    # macro-F1 = (4/5 + 1/2 + 1) / 3 = 2.3 / 3
    assert scores["macro_f1"] == pytest.approx(2.3 / 3)
    # micro: tp 2+1+1 = 4, fp 1+1+0 = 2, fn 0+1+0 = 1 -> F1 = 2*4 / (2*4 + 2 + 1) = 8/11
    assert scores["micro_f1"] == pytest.approx(8 / 11)
    # exact match: rows 1, 5, 6 agree on all three labels -> 3/6
    assert scores["exact_match"] == pytest.approx(0.5)
    # Hamming loss: wrong cells row 2 insult, row 3 insult, row 4 warning -> 3 of 6*3 = 18 -> 1/6
    assert scores["hamming_loss"] == pytest.approx(1 / 6)
    assert scores["n"] == 6


def test_cooccurrence_counts_gold_against_predicted_with_none():
    co = cooccurrence(multi_hot(GOLD, LABELS), multi_hot(PRED, LABELS), LABELS)
    assert co["rows"] == co["columns"] == ["warning", "insult", "sarcasm", "none"]
    # row 1: (warning, warning); row 2: (warning, warning), (insult, warning); row 3: (none, insult);
    # row 4: (sarcasm, sarcasm), (sarcasm, warning); row 5: (insult, insult); row 6: (none, none)
    assert co["matrix"] == [
        [2, 0, 0, 0],
        [1, 1, 0, 0],
        [1, 0, 1, 0],
        [0, 1, 0, 1],
    ]


def test_expected_calibration_error_by_hand():
    y = np.array([1, 0, 1, 0])
    p = np.array([0.95, 0.85, 0.15, 0.05])
    # one row per bin (9, 8, 1, 0): |1-.95| + |0-.85| + |1-.15| + |0-.05| = 1.8, each weighted 1/4 -> 0.45
    assert expected_calibration_error(y, p) == pytest.approx(0.45)
    assert expected_calibration_error(np.array([1, 1]), np.array([1.0, 1.0])) == pytest.approx(0.0)  # p = 1 in the last bin
    assert expected_calibration_error(np.array([]), np.array([])) is None
    bins = reliability_bins(y, p)
    assert len(bins) == 10 and [b["count"] for b in bins] == [1, 1, 0, 0, 0, 0, 0, 0, 1, 1]
    assert bins[2]["mean_proba"] is None and bins[9]["frac_positive"] == 1.0


def test_threshold_sweep_by_hand():
    y = np.array([1, 0, 1])
    p = np.array([0.9, 0.6, 0.3])
    grid = np.array([0.2, 0.5, 0.95])
    # 0.2: all positive, tp 2 fp 1 -> 4/5; 0.5: rows 1, 2 -> tp 1 fp 1 fn 1 -> 1/2; 0.95: none -> 0
    assert threshold_sweep(y, p, grid) == pytest.approx([0.8, 0.5, 0.0])


def test_ranking_scores_are_none_when_undefined():
    y = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 1]])
    p = np.array([[0.9, 0.1, 0.2], [0.2, 0.3, 0.4], [0.8, 0.2, 0.9]])
    scores = ranking_scores(y, p, ["a", "never", "always"])
    assert scores["a"] == {"pr_auc": pytest.approx(1.0), "roc_auc": pytest.approx(1.0)}
    assert scores["never"] == {"pr_auc": None, "roc_auc": None}
    assert scores["always"]["roc_auc"] is None and scores["always"]["pr_auc"] == pytest.approx(1.0)


def test_bootstrap_is_paired_reproducible_and_consistent():
    y_true, y_pred = multi_hot(GOLD, LABELS), multi_hot(PRED, LABELS)
    one = bootstrap_f1(y_true, [y_pred, y_true], n_boot=50, seed=3)
    two = bootstrap_f1(y_true, [y_pred, y_true], n_boot=50, seed=3)
    assert one.shape == (50, 2, 3)
    np.testing.assert_array_equal(one, two)
    assert ((one >= 0) & (one <= 1)).all()
    # Perfect predictions score 1 on every label present in a resample, 0 on a label absent from it.
    assert set(np.unique(one[:, 1])) <= {0.0, 1.0}
    same = paired_bootstrap(y_true, y_pred, y_pred, n_boot=50)
    assert same["delta"] == 0 and same["low"] == same["high"] == 0 and same["p_value"] == 1.0
    better = paired_bootstrap(y_true, y_true, y_pred, n_boot=200)
    assert better["delta"] == pytest.approx(1 - 2.3 / 3)
    assert better["low"] >= 0 and better["high"] > 0
    with pytest.raises(EvaluationError):
        bootstrap_f1(y_true, [y_pred[:3]], n_boot=5)


def test_json_safe_removes_nan_and_numpy_types():
    value = json_safe({"a": float("nan"), "b": np.float32(0.5), "c": np.arange(2), "d": (np.int64(3), math.inf)})
    assert value == {"a": None, "b": 0.5, "c": [0, 1], "d": [3, None]}
    json.dumps(value, allow_nan=False)


def test_lexicon_fires_on_obvious_cues():
    labels = ["warning", "insult", "sarcasm", "gratitude"]
    texts = [
        "Jede Verletzung unseres Luftraums wird ernste Konsequenzen haben.",
        "Der Sprecher nannte den Präsidenten einen senilen Clown.",
        "Herzlichen Glückwunsch zu diesem diplomatischen Meisterstück.",
        "Wir sind Kanada für die Aufnahme der Flüchtlinge sehr dankbar.",
        "Danke für nichts.",
        "Die Gespräche sollen am Dienstag in Genf fortgesetzt werden.",
    ]
    fired = [[label for label, s in zip(labels, row) if s >= 0.5] for row in lexicon_scores(texts, labels)]
    assert fired == [["warning"], ["insult"], ["sarcasm"], ["gratitude"], ["sarcasm"], []]
    assert cue_matches("Wir warnen vor einer roten Linie.", "warning") == ["warnen", "roten Linie"]
    assert lexicon_scores(["Wir warnen vor einer roten Linie."], ["warning"])[0, 0] == pytest.approx(2 / 3)
    assert lexicon_scores(["Clown"], ["unknown"])[0, 0] == 0.0


def test_threshold_tuning_prefers_the_middle_within_tolerance():
    from sklearn.metrics import f1_score

    from tonlage.training.calibration import THRESHOLD_GRID, tune_threshold

    rng = np.random.default_rng(0)
    for _ in range(5):
        y = rng.integers(0, 2, 40)
        scores = np.clip(y * 0.3 + rng.random(40) * 0.7, 0, 1)
        reference = np.array([f1_score(y, scores >= t, zero_division=0) for t in THRESHOLD_GRID])
        chosen = tune_threshold(y, scores)
        assert reference[np.flatnonzero(THRESHOLD_GRID == chosen)[0]] >= reference.max() - 0.01 - 1e-9
        exact = tune_threshold(y, scores, tolerance=0.0)
        assert reference[np.flatnonzero(THRESHOLD_GRID == exact)[0]] == reference.max()
    # A flat plateau from 0.05 to 0.95 resolves to 0.5, not to an edge.
    y = np.array([0, 0, 1, 1])
    assert tune_threshold(y, np.array([0.0, 0.01, 0.99, 1.0])) == 0.5
    assert tune_threshold(np.zeros(5), np.linspace(0, 1, 5)) == 0.5


def test_label_scores_refuses_a_single_column():
    import numpy as np

    from tonlage.training.metrics import label_scores

    with pytest.raises(ValueError, match="at least two label columns"):
        label_scores(np.array([[1], [0]]), np.array([[1], [1]]), ["insult"])

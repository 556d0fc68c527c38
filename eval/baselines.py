"""Baselines evaluated beside the fine-tuned model on the same data.

Each baseline is fitted on the training split only and gets per-label thresholds tuned on the dev split
(F1-maximising, the same grid and rule as the model's calibration; 0.5 without a dev split):

- ``tfidf``: TF-IDF word 1–2-grams + character 2–5-grams (``char_wb``), logistic regression per label
  (one-vs-rest, ``class_weight="balanced"``).
- ``lexicon``: the keyword lexicon of :mod:`eval.lexicon` (nothing is fitted; only thresholds are tuned).
- ``probe``: mean-pooled hidden states of a middle layer of the frozen Gemma base model, logistic regression
  per label. It shows how much the fine-tuning adds over what the base model already encodes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tonlage.eval.lexicon import lexicon_scores
from tonlage.eval.metrics import EvaluationError
from tonlage.training.calibration import tune_threshold
from tonlage.training.metrics import multi_hot

DEFAULT_PROBE_LAYER = 9
PROBE_MAX_LENGTH = 256
BASELINE_NAMES = ("tfidf", "lexicon", "probe")
DESCRIPTIONS = {
    "tfidf": "TF-IDF word 1–2-grams + char_wb 2–5-grams, logistic regression per label (class_weight=balanced)",
    "lexicon": "Keyword lexicon (eval/lexicon.py), score m/(m+1) for m cue matches: a transparent reference, not a model",
    "probe": "Frozen Gemma base, layer {layer} hidden states mean-pooled, logistic regression per label (no fine-tuning)",
}
TITLES = {"tfidf": "TF-IDF + LR", "lexicon": "Keyword lexicon", "probe": "Frozen-base probe"}

Log = Callable[[str], None]


@dataclass
class Split:
    """Texts and gold labels of one corpus split.

    Attributes:
        texts: The statements.
        y: Gold 0/1 matrix ``(n, labels)``.
    """

    texts: list[str]
    y: np.ndarray


@dataclass
class BaselineResult:
    """Scores of one baseline on the evaluation data.

    Attributes:
        name: Short name (``tfidf``, ``lexicon``, ``probe``).
        description: One line saying what it is.
        proba: Scores ``(n_eval, labels)`` in [0, 1].
        thresholds: Per-label decision thresholds.
        threshold_source: ``"dev"`` or ``"default 0.5"``.
    """

    name: str
    description: str
    proba: np.ndarray
    thresholds: dict[str, float]
    threshold_source: str
    notes: list[str] = field(default_factory=list)

    def predictions(self, labels: Sequence[str]) -> np.ndarray:
        """0/1 predictions ``proba >= threshold`` per label."""
        cut = np.array([self.thresholds[label] for label in labels])
        return (self.proba >= cut).astype(int)


def load_split(path: str | Path, labels: Sequence[str]) -> Split:
    """Read a corpus JSONL file (schema-checked by :func:`training.corpus.read_jsonl`) as a :class:`Split`."""
    from tonlage.training.corpus import read_jsonl

    records = read_jsonl(path)
    return Split([r["text"] for r in records], multi_hot([r["labels"] for r in records], labels))


def tune_thresholds(dev: Split | None, dev_scores: np.ndarray | None, labels: Sequence[str]) -> tuple[dict[str, float], str]:
    """F1-maximising thresholds per label on dev (the model's rule, :func:`training.calibration.tune_threshold`), else 0.5."""
    if dev is None or dev_scores is None or len(dev.texts) == 0:
        return {label: 0.5 for label in labels}, "default 0.5"
    return {label: tune_threshold(dev.y[:, i], dev_scores[:, i]) for i, label in enumerate(labels)}, "dev"


class _PerLabelLogistic:
    """Binary logistic regression per label; a label with one class in training gets a constant score."""

    def __init__(self, **params):
        self.params = params
        self.models: list = []

    def fit(self, x, y: np.ndarray) -> _PerLabelLogistic:
        from sklearn.linear_model import LogisticRegression

        self.models = []
        for i in range(y.shape[1]):
            column = y[:, i]
            if column.min() == column.max():
                self.models.append(float(column[0]) if len(column) else 0.0)
            else:
                self.models.append(LogisticRegression(**self.params).fit(x, column))
        return self

    def predict_proba(self, x) -> np.ndarray:
        rows = x.shape[0]
        cols = [np.full(rows, m) if isinstance(m, float) else m.predict_proba(x)[:, 1] for m in self.models]
        return np.column_stack(cols) if cols else np.zeros((rows, 0))


def _constant_note(train: Split, labels: Sequence[str]) -> list[str]:
    return [
        f"'{label}' has only one class in the training split; the baseline scores it as a constant"
        for i, label in enumerate(labels)
        if train.y[:, i].min() == train.y[:, i].max()
    ]


def tfidf_baseline(train: Split, dev: Split | None, texts: Sequence[str], labels: Sequence[str]) -> BaselineResult:
    """TF-IDF word (1–2) + char_wb (2–5) n-grams with per-label logistic regression (class_weight balanced).

    Args:
        train: Training split (fitted on).
        dev: Dev split for threshold tuning, or ``None`` for 0.5.
        texts: Evaluation texts.
        labels: Label names in column order.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    features = FeatureUnion(
        [
            ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True)),
        ]
    )
    x_train = features.fit_transform(train.texts)
    model = _PerLabelLogistic(class_weight="balanced", max_iter=2000, solver="liblinear").fit(x_train, train.y)
    dev_scores = model.predict_proba(features.transform(dev.texts)) if dev is not None and dev.texts else None
    thresholds, source = tune_thresholds(dev, dev_scores, labels)
    proba = model.predict_proba(features.transform(list(texts)))
    return BaselineResult("tfidf", DESCRIPTIONS["tfidf"], proba, thresholds, source, _constant_note(train, labels))


def lexicon_baseline(dev: Split | None, texts: Sequence[str], labels: Sequence[str]) -> BaselineResult:
    """The keyword lexicon of :mod:`eval.lexicon`; only its thresholds (cue counts) are tuned on dev."""
    dev_scores = lexicon_scores(dev.texts, labels) if dev is not None and dev.texts else None
    thresholds, source = tune_thresholds(dev, dev_scores, labels)
    return BaselineResult("lexicon", DESCRIPTIONS["lexicon"], lexicon_scores(list(texts), labels), thresholds, source)


def check_probe_layer(base_dir: str | Path, layer: int) -> None:
    """Raise :class:`EvaluationError` unless ``1 <= layer <=`` the base model's number of layers."""
    from transformers import Gemma3TextConfig

    total = Gemma3TextConfig.from_pretrained(base_dir, local_files_only=True).num_hidden_layers
    if not 1 <= layer <= total:
        raise EvaluationError(f"--probe-layer must be between 1 and {total} for the base model in {base_dir}, got {layer}")


def frozen_features(
    texts: Sequence[str], base_dir: str | Path, layer: int = DEFAULT_PROBE_LAYER, batch_size: int = 32,
    max_length: int = PROBE_MAX_LENGTH, backbone=None, tokenizer=None,
) -> np.ndarray:
    """Masked mean of the hidden states after ``layer`` decoder layers of the frozen base model.

    Args:
        texts: Statements (truncated to ``max_length`` tokens).
        base_dir: Converted base model folder (as from :func:`model.base.ensure_base_model`).
        layer: Number of decoder layers kept; the output of the last kept layer is pooled.
        batch_size: Texts per forward pass.
        max_length: Token limit per text.
        backbone: An already loaded backbone to reuse (with ``tokenizer``), else loaded from ``base_dir``.
        tokenizer: Its tokenizer.

    Returns:
        Float32 array ``(n, hidden)``.
    """

    from tonlage.model.base import load_tokenizer
    from tonlage.model.modeling import ToneModel, batched_outputs, load_backbone

    if backbone is None:
        backbone = load_backbone(base_dir, layer)
    if tokenizer is None:
        tokenizer = load_tokenizer(base_dir)
    pooler = ToneModel(backbone, num_labels=1).eval()  # only its masked mean pooling is used, never the head
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    out = batched_outputs(pooler.pool, encoded, tokenizer.pad_token_id, backbone.config.hidden_size, batch_size)
    return out


def probe_baseline(
    train: Split, dev: Split | None, texts: Sequence[str], labels: Sequence[str], base_dir: str | Path,
    layer: int = DEFAULT_PROBE_LAYER, batch_size: int = 32,
) -> BaselineResult:
    """Logistic regression per label on frozen, mean-pooled base-model features (no fine-tuning).

    Args:
        train: Training split (the probe is fitted on it).
        dev: Dev split for threshold tuning, or ``None`` for 0.5.
        texts: Evaluation texts.
        labels: Label names in column order.
        base_dir: Converted base model folder.
        layer: Decoder layer whose output is pooled (default 9 of Gemma 3 270M's 18).
        batch_size: Texts per forward pass.
    """
    from sklearn.preprocessing import StandardScaler

    from tonlage.model.base import load_tokenizer
    from tonlage.model.modeling import load_backbone

    check_probe_layer(base_dir, layer)
    backbone = load_backbone(base_dir, layer)
    tokenizer = load_tokenizer(base_dir)

    def features(split_texts: Sequence[str]) -> np.ndarray:
        return frozen_features(split_texts, base_dir, layer, batch_size, backbone=backbone, tokenizer=tokenizer)

    scaler = StandardScaler()
    x_train = scaler.fit_transform(features(train.texts))
    # Fixed, fairly strong regularisation: hundreds of dense features against a few thousand rows.
    model = _PerLabelLogistic(class_weight="balanced", max_iter=5000, C=0.1).fit(x_train, train.y)
    dev_scores = model.predict_proba(scaler.transform(features(dev.texts))) if dev is not None and dev.texts else None
    thresholds, source = tune_thresholds(dev, dev_scores, labels)
    proba = model.predict_proba(scaler.transform(features(texts)))
    return BaselineResult(
        "probe", DESCRIPTIONS["probe"].format(layer=layer), proba, thresholds, source, _constant_note(train, labels)
    )


def run_baselines(
    texts: Sequence[str],
    labels: Sequence[str],
    train_path: str | Path,
    dev_path: str | Path | None,
    *,
    base_dir: str | Path | None = None,
    probe_layer: int = DEFAULT_PROBE_LAYER,
    batch_size: int = 32,
    log: Log | None = None,
) -> list[BaselineResult]:
    """Fit every baseline on ``train_path`` and score ``texts``.

    Args:
        texts: Evaluation texts.
        labels: Label names in column order (the model's).
        train_path: Training split (must exist).
        dev_path: Dev split for thresholds; ``None`` or a missing file means 0.5 everywhere.
        base_dir: Base model folder for the probe; ``None`` uses :func:`model.base.ensure_base_model`.
        probe_layer: Layer of the probe.
        batch_size: Texts per forward pass of the probe.
        log: Progress messages, e.g. ``print``.

    Returns:
        One :class:`BaselineResult` per baseline, in the order tfidf, lexicon, probe.
    """
    say = log or (lambda message: None)
    train = load_split(train_path, labels)
    dev = load_split(dev_path, labels) if dev_path is not None and Path(dev_path).is_file() else None
    say(f"baseline tfidf: fitting on {len(train.texts)} rows")
    results = [tfidf_baseline(train, dev, texts, labels)]
    say("baseline lexicon")
    results.append(lexicon_baseline(dev, texts, labels))
    if base_dir is None:
        from tonlage.model.base import ensure_base_model

        base_dir = ensure_base_model()
    say(f"baseline probe: frozen base layer {probe_layer}, features for {len(train.texts) + len(texts)} rows")
    results.append(probe_baseline(train, dev, texts, labels, base_dir, probe_layer, batch_size))
    return results

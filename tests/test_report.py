"""The evaluation report, baselines, comparison, model card and CLI on tiny fixtures."""

import base64
import json
import re
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from tonlage.eval.compare import compare_reports, comparison_markdown
from tonlage.eval.metrics import EvaluationError
from tonlage.eval.report import OUTPUT_FILES, PLOT_FILES, compute_metrics, evaluate, write_report
from tonlage.training.corpus import file_sha256
from tonlage.training.metrics import multi_hot

LABELS = ["warning", "insult", "never"]


def _no_nan(text: str) -> dict:
    def refuse(constant):
        raise AssertionError(f"{constant} in metrics.json")

    return json.loads(text, parse_constant=refuse)


def _synthetic_metrics(flip: int = 0, sha: str = "0" * 64) -> dict:
    """Six rows, a label that never occurs in gold nor predictions; ``flip`` rows made wrong on purpose."""
    gold = [["warning"], ["warning", "insult"], [], ["insult"], [], ["warning"]]
    y_true = multi_hot(gold, LABELS)
    logits = np.where(y_true == 1, 3.0, -3.0).astype(np.float32)
    logits[:, 2] = -5.0  # "never" is never predicted either
    logits[:flip, 0] = -logits[:flip, 0]
    return compute_metrics(
        ids=[f"r{i}" for i in range(6)], texts=[f"Satz {i} mit | Pipe" for i in range(6)], y_true=y_true, logits=logits,
        labels=LABELS, thresholds={label: 0.5 for label in LABELS}, temperatures={"warning": 1.0, "insult": 2.0, "never": 1.0},
        records=[{"form": "speech", "actor": "A"}] * 3 + [{"form": "interview", "actor": "B"}] * 3,
        n_boot=30, provenance={"data": "synthetic.jsonl", "data_sha256": sha, "artifact": f"model-{flip}"},
    )


def test_report_builds_with_a_label_that_never_occurs(tmp_path):
    metrics = _synthetic_metrics()
    paths = write_report(metrics, tmp_path)
    for name in (*OUTPUT_FILES, *PLOT_FILES.values()):
        if name != PLOT_FILES["systems"]:  # no baselines, no system plot
            assert (tmp_path / name).is_file(), name
    stored = _no_nan((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    never = stored["model"]["per_label"]["never"]
    assert never["support"] == 0 and never["f1"] == 0.0
    assert never["pr_auc"] is None and never["roc_auc"] is None
    assert stored["calibration"]["never"]["ece_after"] is not None
    assert any("'never' never occurs" in note for note in stored["notes"])
    assert stored["model"]["macro_f1"] == pytest.approx(2 / 3)  # warning 1, insult 1, never 0 by convention
    assert [g["value"] for g in stored["breakdowns"]["form"]["groups"]] == ["interview", "speech"]
    report = paths["markdown"].read_text(encoding="utf-8")
    assert report.startswith("# Tonlage evaluation report")
    assert report.index("## Summary") < report.index("## Per-label metrics") < report.index("## Plots") < report.index("## Errors")


def test_html_is_self_contained_with_every_png_embedded(tmp_path):
    write_report(_synthetic_metrics(flip=2), tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) == 4
    for png in pngs:
        assert "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii") in page, png.name
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sources and all(s.startswith("data:") for s in sources)
    assert "<script" not in page and "<link" not in page
    assert "<table>" in page and "<strong>Macro-F1" in page
    assert "Satz 0 mit \\| Pipe" in (tmp_path / "report.md").read_text(encoding="utf-8")  # error rows; pipes escaped


@pytest.fixture(scope="module")
def tiny_report(tiny_classifier, tiny_run, tiny_base, tiny_corpus, tmp_path_factory):
    """A full evaluation (model, three baselines, model card) of the tiny model on the tiny test split."""
    folder = tmp_path_factory.mktemp("tiny-report")
    artifact = shutil.copytree(tiny_run[1], folder / "model")  # the card is written into a copy
    out = folder / "report"
    metrics = evaluate(
        tiny_corpus["test"], out, model=artifact, classifier=tiny_classifier, train=tiny_corpus["train"],
        dev=tiny_corpus["dev"], base_dir=tiny_base, probe_layer=2, n_boot=40, model_card=True,
    )
    return metrics, out, artifact


def test_evaluate_writes_every_output(tiny_report, tiny_corpus, tiny_classifier):
    metrics, out, artifact = tiny_report
    for name in (*OUTPUT_FILES, *PLOT_FILES.values()):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    stored = _no_nan((out / "metrics.json").read_text(encoding="utf-8"))
    assert stored["n"] == 6 and stored["labels"] == tiny_classifier.labels
    assert set(stored["baselines"]["results"]) == {"tfidf", "lexicon", "probe"}
    for result in stored["baselines"]["results"].values():
        margin = result["margin"]
        assert margin["low"] <= margin["high"] and 0 <= margin["p_value"] <= 1
        assert result["threshold_source"] == "dev"
    prov = stored["provenance"]
    assert prov["data_sha256"] == file_sha256(tiny_corpus["test"])
    assert prov["artifact_hash"] and prov["precision"] == "fp32"
    assert set(prov["versions"]) >= {"torch", "transformers", "peft", "scikit-learn", "tonlage"}
    # Per-row predictions agree with the classifier's own tagging.
    texts = [json.loads(line)["text"] for line in tiny_corpus["test"].read_text(encoding="utf-8").splitlines()]
    assert [r["pred"] for r in stored["rows"]] == tiny_classifier.predict(texts)
    report = (out / "report.md").read_text(encoding="utf-8")
    for heading in ("## Summary", "## Baselines", "## Gold vs predicted labels", "## Calibration", "## Breakdowns",
                    "### By form", "### By actor_type", "### By actor", "## Errors", "## Provenance"):
        assert heading in report
    assert report.count("The model ") >= 3  # one margin sentence per baseline


def test_model_card_is_written_into_the_artifact(tiny_report):
    from tonlage.model.artifact import artifact_hash

    metrics, _, artifact = tiny_report
    card = (artifact / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"Artifact hash `{artifact_hash(artifact)}`" in card
    for text in ("Intended use", "misuse", "GUIDELINE.md", "Gemma Terms of Use", "not** redistributed", "synthetic",
                 "Sarcasm", "train.jsonl", "Keyword lexicon"):
        assert text in card, text


def test_compare_two_reports(tiny_report, tmp_path):
    _, out, _ = tiny_report
    same = compare_reports(out, out, n_boot=30)
    assert same["macro_f1_difference"]["delta"] == 0 and same["macro_f1_difference"]["p_value"] == 1.0
    # B: a copy whose predictions are all correct, so it must come out ahead.
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    labels = metrics["labels"]
    for row in metrics["rows"]:
        row["pred"] = list(row["gold"])
    metrics["model"]["macro_f1"] = float(np.mean([1.0 if any(label in r["gold"] for r in metrics["rows"]) else 0.0 for label in labels]))
    better = tmp_path / "better"
    better.mkdir()
    (better / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    result = compare_reports(out, better, n_boot=50)
    diff = result["macro_f1_difference"]
    assert diff["delta"] > 0 and diff["low"] >= 0
    assert {r["metric"] for r in result["overall"]} >= {"macro-F1", "micro-F1", "exact match", "Hamming loss"}
    assert set(result["per_label"]) == set(labels)
    text = comparison_markdown(result)
    assert "| macro-F1 |" in text and "B − A" in text


def test_compare_refuses_reports_on_different_data(tmp_path):
    for name, metrics in (("a", _synthetic_metrics(sha="a" * 64)), ("b", _synthetic_metrics(flip=1, sha="b" * 64))):
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")  # all compare reads
    with pytest.raises(EvaluationError, match="different data"):
        compare_reports(tmp_path / "a", tmp_path / "b")
    with pytest.raises(EvaluationError, match="not found"):
        compare_reports(tmp_path / "a", tmp_path / "missing")


def test_missing_training_split(tiny_classifier, tiny_corpus, tmp_path, monkeypatch):
    import tonlage.eval.report

    monkeypatch.setattr(tonlage.eval.report, "default_train_path", lambda: tmp_path / "absent.jsonl")
    metrics = evaluate(tiny_corpus["test"], tmp_path / "out", classifier=tiny_classifier, n_boot=10)
    assert metrics["baselines"]["status"] == "skipped" and "not found" in metrics["baselines"]["reason"]
    assert "Baselines were not run" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    with pytest.raises(EvaluationError, match="training split not found"):
        evaluate(tiny_corpus["test"], tmp_path / "out2", classifier=tiny_classifier, train=tmp_path / "nope.jsonl")


def test_cli_evaluate_and_compare(tiny_run, tiny_base, tiny_corpus, tiny_report, tmp_path):
    from tonlage.cli import app

    runner = CliRunner()
    out = tmp_path / "cli-report"
    result = runner.invoke(app, [
        "evaluate", "--model", str(tiny_run[1]), "--data", str(tiny_corpus["test"]), "--out", str(out),
        "--no-baselines", "--bootstrap", "20", "--base-dir", str(tiny_base), "--precision", "fp32", "--quiet",
    ])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and (out / "report.html").is_file()
    assert "tonlage evaluate" in _no_nan((out / "metrics.json").read_text(encoding="utf-8"))["provenance"]["command"]
    md = tmp_path / "cmp.md"
    result = runner.invoke(app, ["compare", str(tiny_report[1]), str(out), "--bootstrap", "20", "--out", str(md)])
    assert result.exit_code == 0, result.output
    assert "No clear difference" in result.output and md.read_text(encoding="utf-8").startswith("# Tonlage comparison")
    bad = runner.invoke(app, ["evaluate", "--model", str(tmp_path), "--data", str(tiny_corpus["test"]), "--out", str(out)])
    assert bad.exit_code == 2 and "not a Tonlage model" in bad.output


def _refused_before_loading(monkeypatch, args: list[str]):
    """Run `tonlage evaluate` with the model loader disabled: a refusal must come before any model is loaded."""
    from tonlage.cli import app
    from tonlage.model.classifier import Classifier

    def no_loading(*args, **kwargs):
        raise AssertionError("the model was loaded before the options were checked")

    monkeypatch.setattr(Classifier, "from_dir", no_loading)
    result = CliRunner().invoke(app, ["evaluate", *args, "--no-baselines", "--quiet"])
    assert isinstance(result.exception, SystemExit), result.exception  # a clean exit, not an exception
    assert "Traceback" not in result.output
    return result


def test_cli_evaluate_refuses_an_existing_file_as_out(tiny_run, tiny_corpus, tmp_path, monkeypatch):
    out = tmp_path / "report.md"
    out.write_text("not a folder\n", encoding="utf-8")
    result = _refused_before_loading(monkeypatch, ["--model", str(tiny_run[1]), "--data", str(tiny_corpus["test"]), "--out", str(out)])
    assert result.exit_code == 2
    assert f"Error: report folder {out} is an existing file, not a folder" in result.output
    assert out.read_text(encoding="utf-8") == "not a folder\n"


def test_cli_evaluate_refuses_an_empty_base_dir(tiny_run, tiny_corpus, tmp_path, monkeypatch):
    empty = tmp_path / "base"
    empty.mkdir()
    result = _refused_before_loading(monkeypatch, [
        "--model", str(tiny_run[1]), "--data", str(tiny_corpus["test"]), "--out", str(tmp_path / "out"), "--base-dir", str(empty),
    ])
    assert result.exit_code == 2
    assert f"Error: base model folder {empty} is empty" in result.output
    assert not (tmp_path / "out").exists()

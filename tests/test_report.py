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


def test_rows_errors_and_breakdowns_by_hand(tmp_path):
    # flip=2: the warning logits of r0 and r1 are -3, so warning is missed there; insult (T = 2: sigmoid(1.5) = 0.82)
    # is found on r1 and r3; "never" (sigmoid(-5)) never fires.
    metrics = _synthetic_metrics(flip=2)
    assert [r["pred"] for r in metrics["rows"]] == [[], ["insult"], [], ["insult"], [], ["warning"]]
    warning = metrics["model"]["per_label"]["warning"]
    # warning: tp 1 (r5), fn 2 (r0, r1), fp 0 -> precision 1, recall 1/3, F1 2/(2 + 2) = 0.5
    assert (warning["precision"], warning["recall"], warning["f1"]) == pytest.approx((1.0, 1 / 3, 0.5))
    assert metrics["model"]["macro_f1"] == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert metrics["model"]["micro_f1"] == pytest.approx(2 * 3 / (2 * 3 + 0 + 2))  # tp 3, fp 0, fn 2
    assert metrics["model"]["exact_match"] == pytest.approx(4 / 6)  # r2, r3, r4, r5
    assert metrics["model"]["hamming_loss"] == pytest.approx(2 / 18)
    errors = metrics["errors"]["warning"]
    assert (errors["n_false_positives"], errors["n_false_negatives"]) == (0, 2)
    assert [r["id"] for r in errors["false_negatives"]] == ["r0", "r1"]  # equal scores keep row order
    # interview (r3-r5): all right -> warning 1, insult 1, never 0; speech (r0-r2): warning 0, insult 1, never 0
    groups = {g["value"]: g["macro_f1"] for g in metrics["breakdowns"]["form"]["groups"]}
    assert groups == pytest.approx({"interview": 2 / 3, "speech": 1 / 3})
    write_report(metrics, tmp_path)
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| r0 | 0.047 | warning | none | Satz 0 mit \\| Pipe |" in report  # sigmoid(-3) = 0.0474


def test_model_card_without_baselines_by_hand(tiny_run):
    from tonlage.eval.model_card import render_model_card

    card = render_model_card(tiny_run[1], _synthetic_metrics(flip=2))
    assert "Macro-F1 **0.500**" in card and "micro-F1 0.750, exact match 0.667, Hamming loss 0.111, on n = 6" in card
    assert "| warning | 1.000 | 0.333 | 0.500 |" in card
    assert "- Only 6 statements: every interval is wide" in card
    assert "## Baselines\n\nNot run in this evaluation (disabled).\n\n## Limitations" in card
    assert "$" not in card


def test_load_eval_data_names_file_and_line(tmp_path):
    from tonlage.eval.report import load_eval_data
    from tonlage.training.corpus import CorpusError

    path = tmp_path / "gold.jsonl"
    path.write_text('{"text": "Gut.", "labels": ["warning"]}\n{bad\n[1]\n\n{"text": "x", "labels": ["nope"]}\n', encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        load_eval_data(path, LABELS)
    message = str(caught.value)
    assert f"{path}:2: malformed JSON" in message
    assert f"{path}:3: record must be a JSON object" in message
    assert f"{path}:5: unknown label(s) ['nope']" in message
    path.write_text('{"text": "Gut.", "labels": ["warning"]}\n\n{"id": "b", "text": "Schlecht.", "labels": []}\n', encoding="utf-8")
    data = load_eval_data(path, LABELS)
    assert data.ids == ["line 1", "b"] and data.y.tolist() == [[1, 0, 0], [0, 0, 0]]


def test_display_path_is_repo_relative_or_the_name(tmp_path):
    from tonlage.eval.provenance import display_path, display_source
    from tonlage.model.artifact import DEFAULT_ARTIFACT

    assert display_path(DEFAULT_ARTIFACT) == "model/artifacts/default"
    assert display_path(tmp_path / "elsewhere" / "gold.jsonl") == "gold.jsonl"
    assert display_source(f"{DEFAULT_ARTIFACT} (49d459a1a5deac9b, bf16)") == "model/artifacts/default (49d459a1a5deac9b, bf16)"
    assert display_source("memory") == "memory"


@pytest.fixture(scope="module")
def tiny_report(tiny_classifier, tiny_run, tiny_base, tiny_corpus, tmp_path_factory, aux_datasets):
    """A full evaluation (model, three baselines, model card) of the tiny model on the tiny test split."""
    folder = tmp_path_factory.mktemp("tiny-report")
    artifact = shutil.copytree(tiny_run[1], folder / "model")  # the card is written into a copy
    out = folder / "report"
    metrics = evaluate(
        tiny_corpus["test"], out, model=artifact, classifier=tiny_classifier, train=tiny_corpus["train"],
        dev=tiny_corpus["dev"], base_dir=tiny_base, probe_layer=2, n_boot=40, model_card=True,
        cross_domain=aux_datasets,
    )
    return metrics, out, artifact


def test_evaluate_writes_every_output(tiny_report, tiny_corpus):
    metrics, out, artifact = tiny_report
    for name in (*OUTPUT_FILES, *PLOT_FILES.values()):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    stored = _no_nan((out / "metrics.json").read_text(encoding="utf-8"))
    assert stored["n"] == 6 and stored["labels"] == ["warning", "insult", "sarcasm", "gratitude"]
    assert set(stored["baselines"]["results"]) == {"tfidf", "lexicon", "probe"}
    for result in stored["baselines"]["results"].values():
        margin = result["margin"]
        assert margin["low"] <= margin["high"] and 0 <= margin["p_value"] <= 1
        assert result["threshold_source"] == "dev"
    prov = stored["provenance"]
    assert prov["data_sha256"] == file_sha256(tiny_corpus["test"])
    assert prov["artifact_hash"] and prov["precision"] == "fp32"
    assert set(prov["versions"]) >= {"torch", "transformers", "peft", "scikit-learn", "tonlage"}
    # Paths inside the repository are recorded relative to its root; the artifact outside it by its folder name.
    assert prov["data"] == "tests/fixtures/tiny_corpus/test.jsonl"
    assert prov["train"]["path"] == "tests/fixtures/tiny_corpus/train.jsonl"
    assert prov["dev"]["path"] == "tests/fixtures/tiny_corpus/dev.jsonl"
    assert prov["artifact"] == "model" and prov["classifier"].startswith("model (")
    report = (out / "report.md").read_text(encoding="utf-8")
    assert str(out.parent) not in report and str(tiny_corpus["test"].parent) not in report
    for heading in ("## Summary", "## Baselines", "## Gold vs predicted labels", "## Calibration", "## Breakdowns",
                    "### By form", "### By actor_type", "### By actor", "## Errors", "## Provenance"):
        assert heading in report
    assert report.count("The model ") >= 3  # one margin sentence per baseline


def test_model_card_is_written_into_the_artifact(tiny_report):
    metrics, _, artifact = tiny_report
    card = (artifact / "MODEL_CARD.md").read_text(encoding="utf-8")
    recorded = re.search(r"^Artifact hash `([0-9a-f]{16})`", card, re.MULTILINE)
    assert recorded and recorded.group(1) == metrics["provenance"]["artifact_hash"]  # the card describes the evaluated artifact
    assert "$" not in card  # every template field filled in
    for text in ("Intended use", "misuse", "GUIDELINE.md", "Gemma Terms of Use", "not** redistributed", "synthetic",
                 "Sarcasm", "train.jsonl", "Keyword lexicon"):
        assert text in card, text


def test_compare_two_reports(tiny_report, tmp_path):
    _, out, _ = tiny_report
    same = compare_reports(out, out, n_boot=30)
    assert same["macro_f1_difference"]["delta"] == 0 and same["macro_f1_difference"]["p_value"] == 1.0
    # B: a copy whose predictions are all correct, so it must come out ahead.
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    labels, stored_macro = metrics["labels"], metrics["model"]["macro_f1"]
    for row in metrics["rows"]:
        row["pred"] = list(row["gold"])
    metrics["model"]["macro_f1"] = 1.0  # each of the four labels occurs in the tiny test split: perfect rows score F1 1 on all
    better = tmp_path / "better"
    better.mkdir()
    (better / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    result = compare_reports(out, better, n_boot=50)
    diff = result["macro_f1_difference"]
    assert diff["delta"] == pytest.approx(1.0 - stored_macro) and diff["low"] >= 0
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
    metrics = evaluate(tiny_corpus["test"], tmp_path / "out", classifier=tiny_classifier, n_boot=10, cross_domain=False)
    assert metrics["baselines"]["status"] == "skipped" and "not found" in metrics["baselines"]["reason"]
    assert "Baselines were not run" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    with pytest.raises(EvaluationError, match="training split not found"):
        evaluate(tiny_corpus["test"], tmp_path / "out2", classifier=tiny_classifier, train=tmp_path / "nope.jsonl",
                 cross_domain=False)


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


def test_report_has_the_other_domain_section(tiny_report):
    metrics, out, _ = tiny_report
    sets = metrics["cross_domain"]["sets"]
    assert (sets["germeval2018"]["n"], sets["goemotions_de"]["n"]) == (3, 2)  # the fixture rows
    assert sets["germeval2018"]["support"] == 1 and sets["goemotions_de"]["support"] == 1
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Real text, other domains" in report and "GermEval 2018 test" in report
    stored = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert stored["cross_domain"]["status"] == "ok"

"""`tonlage evaluate` and `tonlage compare`."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from tonlage.common import ModelOption, PrecisionOption, clean_errors, fail


def evaluate_cli(
    data: Annotated[Path, typer.Option("--data", "-d", help="Labelled JSONL file to evaluate on (text + labels per line).", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder: report.md, report.html, metrics.json, plots.", show_default=False)],
    model: ModelOption = None,
    train: Annotated[Path | None, typer.Option("--train", help="Training split for the baselines (default: training/data/train.jsonl).", show_default=False)] = None,
    dev: Annotated[Path | None, typer.Option("--dev", help="Dev split for the baselines' thresholds (default: training/data/dev.jsonl if present).", show_default=False)] = None,
    baselines: Annotated[bool, typer.Option("--baselines/--no-baselines", help="Fit and report the TF-IDF, lexicon and frozen-base probe baselines.")] = True,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap resamples for the 95% intervals.", min=1)] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
    model_card: Annotated[bool, typer.Option("--model-card", help="Also write MODEL_CARD.md into the model folder.")] = False,
    probe_layer: Annotated[int, typer.Option("--probe-layer", help="Base-model layer pooled by the probe baseline.", min=1)] = 9,
    base_dir: Annotated[Path | None, typer.Option("--base-dir", help="Converted base model folder (default: the cache).", show_default=False)] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Texts per model batch.", min=1)] = 32,
    precision: PrecisionOption = "bf16",
    cross_domain: Annotated[Path | None, typer.Option("--cross-domain", help="Folder of the real other-domain sets (default: ../shared/datasets beside the repository, when present).", show_default=False)] = None,
    no_cross_domain: Annotated[bool, typer.Option("--no-cross-domain", help="Skip the real other-domain sets (GermEval 2018, German GoEmotions).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
) -> None:
    """Evaluate a model on labelled data: metrics with intervals, baselines, calibration, errors, breakdowns."""
    from tonlage.eval.metrics import EvaluationError
    from tonlage.eval.report import evaluate
    from tonlage.model.classifier import check_precision

    with clean_errors():
        check_precision(precision)

    def log(message: str) -> None:
        if not quiet:
            typer.echo(f"tonlage: {message}", err=True)

    command = ["tonlage", "evaluate", "--data", str(data), "--out", str(out)]
    for flag, value in (("--model", model), ("--train", train), ("--dev", dev), ("--base-dir", base_dir)):
        if value is not None:
            command += [flag, str(value)]
    command += ["--baselines" if baselines else "--no-baselines", "--bootstrap", str(bootstrap), "--seed", str(seed),
                "--probe-layer", str(probe_layer), "--precision", precision, "--batch-size", str(batch_size)]
    if model_card:
        command.append("--model-card")
    if no_cross_domain:
        command.append("--no-cross-domain")
    elif cross_domain is not None:
        command += ["--cross-domain", str(cross_domain)]
    with clean_errors(code=2):
        try:
            metrics = evaluate(
                data, out, model=model, train=train, dev=dev, baselines=baselines, base_dir=base_dir,
                probe_layer=probe_layer, n_boot=bootstrap, seed=seed, precision=precision, batch_size=batch_size,
                model_card=model_card, cross_domain=False if no_cross_domain else cross_domain,
                command=shlex.join(command), log=log,
            )
        except EvaluationError as exc:
            fail(str(exc))
    m = metrics["model"]
    ci = m["macro_f1_ci"]
    typer.echo(f"macro-F1 {m['macro_f1']:.3f} (95% CI {ci['low']:.3f}–{ci['high']:.3f}) on {metrics['n']} statements")
    for name, result in metrics["baselines"].get("results", {}).items():
        g = result["margin"]
        typer.echo(f"  vs {name}: {g['delta']:+.3f} (95% CI {g['low']:+.3f} to {g['high']:+.3f})")
    typer.echo(f"Report written to {out / 'report.md'} and {out / 'report.html'}")


def compare_cli(
    report_a: Annotated[Path, typer.Argument(help="First report folder (A, the reference).", show_default=False)],
    report_b: Annotated[Path, typer.Argument(help="Second report folder (B).", show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Also write the comparison as Markdown.", show_default=False)] = None,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Paired bootstrap resamples.", min=1)] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed.")] = 0,
) -> None:
    """Compare two evaluation reports made on the same data (paired bootstrap of the macro-F1 difference)."""
    from rich.console import Console
    from rich.table import Table

    from tonlage.eval.compare import compare_reports, comparison_markdown, table_rows, verdict
    from tonlage.eval.metrics import EvaluationError

    try:
        comparison = compare_reports(report_a, report_b, n_boot=bootstrap, seed=seed)
    except EvaluationError as exc:
        fail(str(exc))
    console = Console()
    a, b = comparison["a"], comparison["b"]
    console.print(f"[bold]A[/] {a['report']}  (artifact {a['artifact']}, hash {a['artifact_hash']}, {a['precision']})")
    console.print(f"[bold]B[/] {b['report']}  (artifact {b['artifact']}, hash {b['artifact_hash']}, {b['precision']})")
    console.print(f"Data {comparison['data']}, n = {comparison['n']}")
    table = Table()
    for column in ("metric", "A", "B", "B − A", "better"):
        table.add_column(column, justify="left" if column in ("metric", "better") else "right")
    for row in table_rows(comparison):
        table.add_row(*row)
    console.print(table)
    console.print(verdict(comparison), style="bold")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(comparison_markdown(comparison), encoding="utf-8")
        console.print(f"Markdown written to {out}")

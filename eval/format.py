"""How eval's documents write numbers and verdicts: shared by the report, the model card and the comparison."""

from __future__ import annotations

DASH = "–"  # an undefined value


def num(value: float | None, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals, or a dash when it is undefined."""
    return DASH if value is None else f"{value:.{digits}f}"


def signed(value: float | None, digits: int = 3) -> str:
    """Like :func:`num`, always with a sign."""
    return DASH if value is None else f"{value:+.{digits}f}"


def interval(ci: dict | None) -> str:
    """A confidence interval ``{"low", "high", ...}`` as ``low–high``."""
    return DASH if not ci else f"{num(ci['low'])}–{num(ci['high'])}"


def margin_sentence(title: str, margin: dict) -> str:
    """How the model fares against one baseline, in words: a clear win, not a clear win, or no win.

    Args:
        title: The baseline's display name.
        margin: ``{"delta", "low", "high", "p_value"}`` of model − baseline macro-F1.

    Returns:
        The rest of a sentence that starts with "The model ".
    """
    d, lo, hi, p = margin["delta"], margin["low"], margin["high"], margin["p_value"]
    paired = f"model − baseline, 95% paired CI {signed(lo)} to {signed(hi)}, p = {num(p)}"
    if lo > 0:
        return f"beats **{title}**: margin {signed(d)} macro-F1 ({paired})."
    if d > 0:
        return f"is ahead of **{title}** by {signed(d)} macro-F1, but the interval includes 0 ({paired}): **not a clear win**."
    return f"**does not beat {title}**: margin {signed(d)} macro-F1 ({paired})."


def system_titles(metrics: dict) -> dict[str, str]:
    """Display names of the baselines in an evaluation's metrics dict, by baseline name."""
    from tonlage.eval.baselines import TITLES

    return {name: TITLES.get(name, name) for name in metrics["baselines"].get("results", {})}


__all__ = ["DASH", "interval", "margin_sentence", "num", "signed", "system_titles"]

"""Where an evaluation's numbers come from: paths as the repository names them, hashes, versions, leak notes.

Reports and benchmark results are committed, so they must not carry the absolute paths of the machine they
were made on: :func:`display_path` writes a path relative to the repository root when it lies inside it,
else only its last component (an artifact's folder name, a data file's name).
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from tonlage.eval.report_data import EvalData, load_texts
from tonlage.training.corpus import file_sha256

VERSION_PACKAGES = ("torch", "transformers", "peft", "scikit-learn", "numpy", "tonlage")


def repo_root() -> Path | None:
    """The Tonlage checkout the code runs from, or ``None`` for an installed (non-editable) package."""
    import tonlage.training

    root = Path(tonlage.training.__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() else None


def display_path(path: str | Path) -> str:
    """``path`` relative to the repository root (POSIX separators) when inside it, else its last component.

    Args:
        path: A file or folder, absolute or relative to the working directory.

    Returns:
        E.g. ``training/data/test.jsonl`` or, outside the repository, ``test.jsonl``.
    """
    resolved = Path(path).resolve()
    root = repo_root()
    if root is not None and resolved.is_relative_to(root):
        return resolved.relative_to(root).as_posix() or "."
    return resolved.name


def display_source(source: str) -> str:
    """A classifier's ``source`` (``"<folder> (<hash>, <precision>)"``) with the folder as :func:`display_path` writes it."""
    folder, sep, rest = source.partition(" (")
    return display_path(folder) + sep + rest if sep and Path(folder).is_absolute() else source


def library_versions() -> dict[str, str | None]:
    """Installed versions of the libraries that shape the numbers (``None`` when not installed)."""
    out: dict[str, str | None] = {}
    for name in VERSION_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def file_info(path: Path | None) -> dict | None:
    """``{"path", "sha256"}`` of an existing file, else ``None``."""
    return {"path": display_path(path), "sha256": file_sha256(path)} if path is not None and path.is_file() else None


def leak_notes(data: EvalData, data_sha: str, train: Path | None, dev: Path | None) -> list[str]:
    """Warnings when the evaluation data is a training split, or shares statements with one."""
    notes = []
    for name, path in (("training", train), ("dev", dev)):
        if path is None or not path.is_file():
            continue
        if file_sha256(path) == data_sha:
            notes.append(f"The evaluation data is the {name} split itself: these are not held-out numbers.")
            continue
        texts = load_texts(path)
        shared = sum(1 for t in data.texts if " ".join(t.split()) in texts)
        if shared:
            notes.append(f"{shared} evaluation statement(s) also occur verbatim in the {name} split ({path.name}).")
    return notes


__all__ = ["VERSION_PACKAGES", "display_path", "display_source", "file_info", "leak_notes", "library_versions", "repo_root"]

"""Inference: load an artifact and turn texts into per-label probabilities and tags."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from transformers import PreTrainedTokenizerBase

from tonlage.model.artifact import ADAPTER_DIR, DEFAULT_ARTIFACT, HEAD_NAME, ArtifactConfig, artifact_hash, read_config
from tonlage.model.errors import TonlageError
from tonlage.model.modeling import ToneModel, batched_outputs, load_backbone
from tonlage.model.probability import calibrated_probabilities

PRECISIONS = ("fp32", "bf16", "int8")
DEFAULT_PRECISION = "bf16"  # int8 is faster but moves logits by up to 0.5 on Gemma; bf16 stays within 0.01
# Sentence ends for splitting over-long texts: . ! ? … followed by space and an upper-case or quote start.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"“”»«']?\s+(?=[„\"»«A-ZÄÖÜ0-9])")


class InputError(TonlageError, ValueError):
    """A text given for classification is not usable (empty, not a string)."""


def check_precision(precision: str) -> str:
    """Return ``precision`` if it is one of :data:`PRECISIONS`, else raise :class:`InputError`."""
    if precision not in PRECISIONS:
        raise InputError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    return precision


def check_texts(texts: Sequence[object]) -> list[str]:
    """Return ``texts`` as a list of strings, or raise :class:`InputError` naming the bad position."""
    if isinstance(texts, str):
        raise InputError("Expected a list of texts, got a single string; wrap it in a list")
    checked = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise InputError(f"Text {i} is {type(text).__name__}, not a string")
        if not text.strip():
            raise InputError(f"Text {i} is empty or only whitespace")
        checked.append(text)
    return checked


def prepare_tokenizer(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """Right padding (pooling and positions follow the mask, so either side works; right is simplest)."""
    tokenizer.padding_side = "right"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token_id = 0
    return tokenizer


def _merged_backbone(folder: Path, base: Path, config: ArtifactConfig, cached: bool):
    """The backbone with the LoRA adapter merged in; from the prepared cache when ``cached``.

    The cache is keyed on the base and adapter weights (see ``model.prepared``); a damaged entry is
    rebuilt, and the base is checked against its full hash before it is baked into a new entry.
    """
    from tonlage.model.base import check_model_folder, verify_full_hash
    from tonlage.model.prepared import load_prepared, prepared_dir, prepared_key, save_prepared

    check_model_folder(base)
    if cached:
        backbone = load_prepared(prepared_dir(prepared_key(folder / ADAPTER_DIR, base, config.num_layers)))
        if backbone is not None:
            return backbone
        base = verify_full_hash(base)
    from peft import PeftModel

    backbone = load_backbone(base, config.num_layers)
    with warnings.catch_warnings():  # peft calls a transformers API that warns of its own deprecation
        warnings.simplefilter("ignore", FutureWarning)
        backbone = PeftModel.from_pretrained(backbone, folder / ADAPTER_DIR).merge_and_unload()
    if cached:
        provenance = {"artifact": str(folder), "base_dir": str(base), "num_layers": config.num_layers}
        save_prepared(backbone, prepared_dir(prepared_key(folder / ADAPTER_DIR, base, config.num_layers)), provenance)
    return backbone


def _float32_output(module, args, output):
    return output.float()


def quantize_for_cpu(model: ToneModel, precision: str) -> ToneModel:
    """Convert a model in place for CPU inference: ``fp32``, ``bf16`` weights, or dynamic ``int8`` linears.

    For ``int8`` the 262k-row embedding table stays in bf16 (half the memory; a lookup, not a matmul)
    and its output is cast to float32 for the quantised layers.
    """
    check_precision(precision)
    model.eval()
    backbone = model.backbone
    if precision == "fp32":
        backbone.float()
    elif precision == "bf16":
        backbone.to(torch.bfloat16)
    elif precision == "int8":
        from torch.ao.quantization import quantize_dynamic

        embedding: torch.nn.Module = backbone.embed_tokens  # type: ignore[assignment]
        backbone.embed_tokens = torch.nn.Identity()  # keep it out of float() and quantisation
        backbone.float()
        backbone.embed_tokens = embedding.to(torch.bfloat16)
        embedding.register_forward_hook(_float32_output)

        with warnings.catch_warnings():  # torch.ao is deprecated in favour of torchao, which is not pinned here
            warnings.simplefilter("ignore")
            model.backbone = quantize_dynamic(model.backbone, {torch.nn.Linear}, dtype=torch.qint8)
    return model


class Classifier:
    """A fine-tuned tone classifier ready for inference.

    Args:
        model: The tone model (any precision), already in eval mode.
        tokenizer: Its tokenizer.
        config: The artifact configuration (labels, thresholds, temperatures, max length).
        source: Where it was loaded from, for reports.
        precision: The precision ``model`` runs in (one of :data:`PRECISIONS`), or ``None`` when unknown.
    """

    def __init__(
        self,
        model: ToneModel,
        tokenizer: PreTrainedTokenizerBase,
        config: ArtifactConfig,
        source: str = "memory",
        precision: str | None = None,
    ):
        self.model = model.eval()
        self.tokenizer = prepare_tokenizer(tokenizer)
        self.config = config
        self.source = source
        self.precision = check_precision(precision) if precision is not None else None

    @property
    def labels(self) -> list[str]:
        return list(self.config.labels)

    @property
    def thresholds(self) -> dict[str, float]:
        return dict(self.config.thresholds)

    @classmethod
    def from_dir(
        cls,
        path: str | Path | None = None,
        *,
        base_dir: str | Path | None = None,
        precision: str = DEFAULT_PRECISION,
        num_threads: int | None = None,
    ) -> Classifier:
        """Load an artifact folder (default: the shipped model) on top of the base model.

        Args:
            path: Artifact folder; ``None`` for the default model shipped with Tonlage.
            base_dir: Converted base model folder; ``None`` to use (and on first use build) the cache.
            precision: ``bf16`` (default), ``int8`` (dynamic int8 linear layers; faster, less exact) or ``fp32``.
            num_threads: Torch intra-op threads; ``None`` leaves torch's default.

        Raises:
            ArtifactError: The folder is not a complete Tonlage artifact.
            BaseModelError: The base model cannot be provided.
        """
        from tonlage.model.base import ensure_base_model, load_tokenizer

        check_precision(precision)
        folder = Path(path) if path is not None else DEFAULT_ARTIFACT
        config = read_config(folder)
        if num_threads:
            torch.set_num_threads(num_threads)
        base = Path(base_dir) if base_dir is not None else ensure_base_model()
        # The tokenizer (a 33 MB JSON) loads in a thread while the weights load and quantise.
        with ThreadPoolExecutor(max_workers=1) as pool:
            tokenizer = pool.submit(load_tokenizer, base)
            backbone = _merged_backbone(folder, base, config, cached=precision != "fp32")
            model = ToneModel(backbone, num_labels=len(config.labels), pooling=config.pooling)
            model.load_head_state(load_file(str(folder / HEAD_NAME)))
            quantize_for_cpu(model, precision)
            tokenizer = tokenizer.result()
        return cls(model, tokenizer, config, source=f"{folder} ({artifact_hash(folder)}, {precision})", precision=precision)

    # -- scoring -----------------------------------------------------------------------------

    def logits(self, texts: Sequence[str], batch_size: int = 16) -> np.ndarray:
        """Raw logits ``(n, labels)``; texts longer than ``max_length`` tokens are split and max-combined."""
        texts = check_texts(texts)
        pieces, owners = self._pieces(texts)
        piece_logits = self._score_pieces(pieces, batch_size)
        out = np.full((len(texts), len(self.labels)), -np.inf, dtype=np.float32)
        np.maximum.at(out, owners, piece_logits)
        return out

    def predict_proba(self, texts: Sequence[str], batch_size: int = 16) -> np.ndarray:
        """Calibrated probabilities, shape ``(n, labels)``, in input order."""
        temperatures = [self.config.temperatures[label] for label in self.labels]
        return calibrated_probabilities(self.logits(texts, batch_size), temperatures)

    def predict(
        self, texts: Sequence[str], thresholds: dict[str, float] | None = None, batch_size: int = 16
    ) -> list[list[str]]:
        """Label lists per text, applying the artifact's thresholds (overridable per label)."""
        return self.tags(self.predict_proba(texts, batch_size), thresholds)

    def tags(self, proba: np.ndarray, thresholds: dict[str, float] | None = None) -> list[list[str]]:
        """Turn a probability matrix into label lists."""
        merged = {**self.config.thresholds, **(thresholds or {})}
        unknown = set(merged) - set(self.labels)
        if unknown:
            raise InputError(f"Unknown label in thresholds: {', '.join(sorted(unknown))}")
        cut = np.array([merged[label] for label in self.labels])
        return [[label for label, hit in zip(self.labels, row) if hit] for row in proba >= cut]

    def _pieces(self, texts: list[str]) -> tuple[list[list[int]], np.ndarray]:
        """Token id lists no longer than ``max_length``, and the index of the text each belongs to."""
        limit = self.config.max_length
        encoded = self.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]
        pieces, owners = [], []
        for i, ids in enumerate(encoded):
            if len(ids) <= limit:
                pieces.append(ids)
                owners.append(i)
                continue
            for chunk in self._split_long(texts[i], limit):
                pieces.append(chunk)
                owners.append(i)
        return pieces, np.asarray(owners)

    def _split_long(self, text: str, limit: int) -> list[list[int]]:
        """Pack whole sentences into windows of at most ``limit`` tokens; cut over-long sentences."""
        bos = [self.tokenizer.bos_token_id] if self.tokenizer.bos_token_id is not None else []
        room = limit - len(bos)
        windows: list[list[int]] = []
        current: list[int] = []
        for sentence in _SENTENCE_END.split(text):
            ids = self.tokenizer(" " + sentence.strip() if current else sentence.strip(), add_special_tokens=False)["input_ids"]
            if current and len(current) + len(ids) > room:
                windows.append(current)
                current = []
            while len(ids) > room:  # a single sentence longer than a window: overlapping cuts
                windows.append(ids[:room])
                ids = ids[room // 2 :]
            current = current + ids
        if current:
            windows.append(current)
        return [bos + w for w in windows]

    def _score_pieces(self, pieces: list[list[int]], batch_size: int) -> np.ndarray:
        return batched_outputs(self.model, pieces, self.tokenizer.pad_token_id, len(self.labels), batch_size)

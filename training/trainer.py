"""LoRA fine-tuning of the tone model on CPU, with calibration, early stopping and resumable checkpoints."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from tonlage.model.artifact import ADAPTER_DIR, HEAD_NAME, ArtifactConfig, head_metadata, read_config, write_config
from tonlage.model.base import BASE_MODEL_NAME, BASE_PACKAGE, ensure_base_model, gguf_sha256, load_tokenizer
from tonlage.model.classifier import Classifier
from tonlage.model.labels import LABELS
from tonlage.model.modeling import LORA_TARGET_MODULES, ToneModel, batched_outputs, load_backbone, pad_batch
from tonlage.model.probability import sigmoid
from tonlage.training.calibration import calibrate
from tonlage.training.data_pipeline import Split, load_training_data
from tonlage.training.metrics import label_scores
from tonlage.training.training_args import ConfigError, TrainingArgs

CHECKPOINT_DIR = "checkpoint"
logger = logging.getLogger(__name__)


@dataclass
class EpochRecord:
    epoch: int
    steps: int
    train_loss: float
    dev_macro_f1: float
    dev_per_label_f1: dict[str, float]
    seconds: float


@dataclass
class FitState:
    """Where a fit stands; the JSON part of a checkpoint (``state.json``), so a killed run resumes exactly.

    Attributes:
        epoch: Epochs finished (the index of the epoch in progress).
        batch: Batches of the epoch in progress already trained on.
        step: Optimiser steps taken.
        best_f1: Best dev macro-F1 of a finished epoch (-1 before the first).
        bad_epochs: Finished epochs since the best one (early stopping at ``train.patience``).
        running: Batch losses of the epoch in progress.
        history: One record per finished epoch.
    """

    epoch: int = 0
    batch: int = 0
    step: int = 0
    best_f1: float = -1.0
    bad_epochs: int = 0
    running: list[float] = field(default_factory=list)
    history: list[EpochRecord] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FitState:
        history = [EpochRecord(**record) for record in data.get("history", [])]
        return cls(**{**data, "history": history})


@dataclass
class _Run:
    """The live objects of one fit (not saved as such; their tensors go into the checkpoint)."""

    model: ToneModel
    trainable: list[tuple[str, torch.nn.Parameter]]
    optimizer: torch.optim.Optimizer
    scheduler: Any  # a transformers LambdaLR schedule
    loss_fn: torch.nn.BCEWithLogitsLoss
    total_steps: int
    ckpt: Path
    best: dict[str, torch.Tensor] | None = None  # trainable tensors of the best epoch so far


def length_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator, bucket: int = 50) -> list[np.ndarray]:
    """Shuffled batches of similar length: shuffle, sort within buckets of ``bucket`` batches, shuffle batches."""
    order = rng.permutation(len(lengths))
    batches = []
    span = batch_size * bucket
    for start in range(0, len(order), span):
        chunk = order[start : start + span]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def collate(input_ids: list[list[int]], rows: np.ndarray, pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    return pad_batch([input_ids[i] for i in rows], pad_id)


def check_base_layers(num_layers: int, base: Path) -> None:
    """Raise :class:`ConfigError` when ``model.num_layers`` exceeds the layers of the base model in ``base``."""
    try:
        layers = json.loads((base / "config.json").read_text(encoding="utf-8")).get("num_hidden_layers")
    except (OSError, ValueError, AttributeError):
        return  # an unreadable base folder is reported by the loader, with its own message
    if isinstance(layers, int) and num_layers > layers:
        raise ConfigError(f"model.num_layers is {num_layers}, beyond the {layers} layers of the base model in {base}")


class Trainer:
    """Fine-tunes a LoRA adapter and head on the corpus, then calibrates on dev.

    Args:
        args: Training settings.
        base_dir: Converted base model folder; ``None`` builds/uses the cache.
        progress: Show a progress bar (rich) with loss and ETA.

    Attributes set by :meth:`fit`:
        model_: The trained :class:`ToneModel` (best dev epoch, LoRA not merged).
        history_: One :class:`EpochRecord` per finished epoch.
        temperatures_, thresholds_: Calibrated on dev.
        metrics_: Dev (and test) scores with the calibrated thresholds.
        tokenizer_, data_, base_dir_: The tokenizer, the tokenised splits and the base model folder used.
    """

    def __init__(self, args: TrainingArgs, base_dir: str | Path | None = None, progress: bool = True):
        self.args = args
        self.base_dir = base_dir
        self.progress = progress

    # -- setup ---------------------------------------------------------------------------------

    def _build_model(self, base: Path) -> ToneModel:
        from peft import LoraConfig, get_peft_model

        shape = self.args.model
        torch.manual_seed(self.args.train.seed)
        backbone = load_backbone(base, shape.num_layers)
        for p in backbone.parameters():
            p.requires_grad_(False)
        lora = LoraConfig(
            r=shape.lora_r,
            lora_alpha=shape.lora_alpha,
            lora_dropout=shape.lora_dropout,
            target_modules=list(LORA_TARGET_MODULES),
            bias="none",
        )
        with warnings.catch_warnings():  # peft calls a transformers API that warns of its own deprecation
            warnings.simplefilter("ignore", FutureWarning)
            adapted = get_peft_model(backbone, lora)
        return ToneModel(adapted, num_labels=len(LABELS), dropout=shape.dropout, pooling=shape.pooling)

    def _pos_weight(self, split: Split) -> torch.Tensor:
        if self.args.train.pos_weight == "none":
            return torch.ones(len(LABELS))
        pos = (split.targets * split.masks).sum(0)
        neg = ((1 - split.targets) * split.masks).sum(0)
        ratio = np.where(pos > 0, neg / np.maximum(pos, 1), 1.0)
        ratio = np.sqrt(ratio) if self.args.train.pos_weight == "sqrt" else ratio
        return torch.tensor(np.clip(ratio, 1.0, 20.0), dtype=torch.float32)

    def _start(self, base: Path) -> _Run:
        """Model, optimiser (LoRA and head learning rates), warm-up schedule and loss for this run."""
        args = self.args.train
        model = self._build_model(base)
        trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        groups = [
            {"params": [p for n, p in trainable if not n.startswith("head.")], "lr": args.lr},
            {"params": [p for n, p in trainable if n.startswith("head.")], "lr": args.head_lr},
        ]
        optimizer = torch.optim.AdamW(groups, weight_decay=args.weight_decay)
        steps_per_epoch = math.ceil(math.ceil(len(self.data_.train.input_ids) / args.batch_size) / args.grad_accum)
        total_steps = steps_per_epoch * args.epochs
        if args.max_steps:
            total_steps = min(total_steps, args.max_steps)
        from transformers import get_linear_schedule_with_warmup

        scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup_ratio * total_steps), total_steps)
        loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=self._pos_weight(self.data_.train))
        ckpt = Path(args.output) / CHECKPOINT_DIR
        return _Run(model, trainable, optimizer, scheduler, loss_fn, total_steps, ckpt)

    # -- training ------------------------------------------------------------------------------

    def fit(self) -> Trainer:
        """Train, keep the best dev epoch, calibrate. Resumes from ``<output>/checkpoint`` if present.

        Raises:
            ConfigError: ``model.num_layers`` exceeds the base model (checked before anything is trained).
            CorpusError: The corpus files have problems; each names its file and line.
        """
        args = self.args.train
        if args.threads:
            torch.set_num_threads(args.threads)
        self.base_dir_ = Path(self.base_dir) if self.base_dir else ensure_base_model()
        check_base_layers(self.args.model.num_layers, self.base_dir_)
        self.tokenizer_ = load_tokenizer(self.base_dir_)
        self.data_ = load_training_data(self.args, self.tokenizer_)
        run = self._start(self.base_dir_)
        state = self._resume(run)
        bar = _Progress(self.progress, run.total_steps, state.step)
        if state.step:
            bar.log(f"Resuming from {run.ckpt} at epoch {state.epoch + 1}, step {state.step}")
        try:
            while state.epoch < args.epochs and state.bad_epochs < args.patience:
                started = time.time()
                stopped = self._train_epoch(run, state, bar)
                self._end_epoch(run, state, time.time() - started, bar)
                if stopped:
                    break
                if state.epoch < args.epochs:
                    self._save_checkpoint(run, state)
        finally:
            bar.close()
        self._restore_best(run)
        self.model_ = run.model
        self.history_ = list(state.history)
        self._calibrate()
        shutil.rmtree(run.ckpt, ignore_errors=True)
        return self

    def _resume(self, run: _Run) -> FitState:
        if (run.ckpt / "state.json").is_file():
            return self._load_checkpoint(run)
        torch.manual_seed(self.args.train.seed)
        return FitState()

    def _train_epoch(self, run: _Run, state: FitState, bar: _Progress) -> bool:
        """Train on the epoch ``state.epoch`` from batch ``state.batch``; True when ``train.max_steps`` stopped it."""
        args, train = self.args.train, self.data_.train
        lengths = np.array([len(x) for x in train.input_ids])
        batches = length_batches(lengths, args.batch_size, np.random.default_rng(args.seed + state.epoch))
        run.model.train()
        for b in range(state.batch, len(batches)):
            state.running.append(self._backward(run, batches[b]))
            if (b + 1) % args.grad_accum == 0 or b + 1 == len(batches):
                torch.nn.utils.clip_grad_norm_([p for _, p in run.trainable], 1.0)
                run.optimizer.step()
                run.scheduler.step()
                run.optimizer.zero_grad(set_to_none=True)
                state.step += 1
                bar.update(state.step, state.epoch + 1, float(np.mean(state.running[-20:])))
                if args.checkpoint_every and state.step % args.checkpoint_every == 0:
                    state.batch = b + 1
                    self._save_checkpoint(run, state)
                if args.max_steps and state.step >= args.max_steps:
                    return True
        return False

    def _backward(self, run: _Run, rows: np.ndarray) -> float:
        """Forward and backward pass on one batch (gradients scaled for accumulation); returns its loss."""
        train = self.data_.train
        ids, mask = collate(train.input_ids, rows, self.tokenizer_.pad_token_id)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.args.train.bf16):
            logits = run.model(ids, mask)
        target = torch.tensor(train.targets[rows], dtype=torch.float32)
        weight = torch.tensor(train.masks[rows], dtype=torch.float32)
        loss = (run.loss_fn(logits.float(), target) * weight).sum() / weight.sum().clamp(min=1.0)
        (loss / self.args.train.grad_accum).backward()
        return float(loss.detach())

    def _end_epoch(self, run: _Run, state: FitState, seconds: float, bar: _Progress) -> None:
        """Score the epoch on dev, record it, keep its weights if best, and move the state to the next epoch."""
        dev = self.data_.dev
        scores = self._scores(dev.targets, self._logits(run.model, dev.input_ids))
        record = EpochRecord(
            epoch=state.epoch + 1,
            steps=state.step,
            train_loss=round(float(np.mean(state.running)) if state.running else float("nan"), 5),
            dev_macro_f1=round(scores["macro_f1"], 5),
            dev_per_label_f1={k: round(v["f1"], 5) for k, v in scores["per_label"].items()},
            seconds=round(seconds, 1),
        )
        state.history.append(record)
        bar.log(f"epoch {record.epoch}: loss {record.train_loss:.4f}, dev macro-F1 {record.dev_macro_f1:.4f} "
                f"{record.dev_per_label_f1}")
        if record.dev_macro_f1 > state.best_f1:
            state.best_f1, state.bad_epochs = record.dev_macro_f1, 0
            run.best = {n: p.detach().clone() for n, p in run.trainable}
        else:
            state.bad_epochs += 1
        state.epoch, state.batch, state.running = state.epoch + 1, 0, []

    @staticmethod
    def _restore_best(run: _Run) -> None:
        if run.best is not None:
            with torch.no_grad():
                for n, p in run.trainable:
                    p.copy_(run.best[n])

    def _calibrate(self) -> None:
        dev_logits = self._logits(self.model_, self.data_.dev.input_ids)
        self.temperatures_, self.thresholds_ = calibrate(self.data_.dev.targets, dev_logits, list(LABELS))
        self.metrics_ = {"dev": self._scores(self.data_.dev.targets, dev_logits, self.temperatures_, self.thresholds_)}
        if self.data_.test is not None:
            test_logits = self._logits(self.model_, self.data_.test.input_ids)
            self.metrics_["test"] = self._scores(self.data_.test.targets, test_logits, self.temperatures_, self.thresholds_)

    def _logits(self, model: ToneModel, input_ids: list[list[int]], batch_size: int = 32) -> np.ndarray:
        model.eval()
        out = batched_outputs(model, input_ids, self.tokenizer_.pad_token_id, len(LABELS), batch_size, bf16_autocast=self.args.train.bf16)
        model.train()
        return out

    @staticmethod
    def _scores(targets, logits, temperatures=None, thresholds=None) -> dict:
        """Scores at the given calibration; without one, dev F1 with per-label tuned thresholds (model selection)."""
        if temperatures is None:
            temperatures, thresholds = calibrate(targets, logits, list(LABELS))
        t = np.array([temperatures[label] for label in LABELS])
        cut = np.array([thresholds[label] for label in LABELS])
        return label_scores(targets, sigmoid(logits / t) >= cut, LABELS)

    # -- checkpoints (safetensors + JSON only) -----------------------------------------------------

    def _save_checkpoint(self, run: _Run, state: FitState) -> None:
        """Write trainable tensors, optimiser moments, RNG, schedule and ``state`` to ``run.ckpt`` atomically."""
        ckpt = run.ckpt
        tmp = Path(tempfile.mkdtemp(prefix=".ckpt-", dir=ckpt.parent if ckpt.parent.exists() else None))
        ckpt.parent.mkdir(parents=True, exist_ok=True)
        save_file({n: p.detach().contiguous() for n, p in run.trainable}, str(tmp / "params.safetensors"))
        if run.best is not None:
            save_file({n: t.contiguous() for n, t in run.best.items()}, str(tmp / "best.safetensors"))
        opt_tensors: dict[str, torch.Tensor] = {}
        name_of = {id(p): n for n, p in run.model.named_parameters()}
        for group in run.optimizer.param_groups:
            for p in group["params"]:
                for key, value in run.optimizer.state.get(p, {}).items():
                    if torch.is_tensor(value):
                        opt_tensors[f"{name_of[id(p)]}::{key}"] = value.contiguous()
        opt_tensors["__torch_rng__"] = torch.get_rng_state()
        save_file(opt_tensors, str(tmp / "optimizer.safetensors"))
        meta = {**state.to_json(), "scheduler": run.scheduler.state_dict()}
        (tmp / "state.json").write_text(json.dumps(meta), encoding="utf-8")
        if ckpt.exists():
            shutil.rmtree(ckpt)
        os.replace(tmp, ckpt)

    def _load_checkpoint(self, run: _Run) -> FitState:
        """Restore what :meth:`_save_checkpoint` wrote into ``run``; returns the saved state."""
        ckpt = run.ckpt
        meta = json.loads((ckpt / "state.json").read_text(encoding="utf-8"))
        named = dict(run.model.named_parameters())
        with torch.no_grad():
            for n, t in load_file(str(ckpt / "params.safetensors")).items():
                named[n].copy_(t)
        opt = load_file(str(ckpt / "optimizer.safetensors"))
        torch.set_rng_state(opt.pop("__torch_rng__"))
        name_of = {id(p): n for n, p in named.items()}
        for group in run.optimizer.param_groups:
            for p in group["params"]:
                prefix = f"{name_of[id(p)]}::"
                entries = {k.removeprefix(prefix): v for k, v in opt.items() if k.startswith(prefix)}
                if entries:
                    run.optimizer.state[p] = entries
        run.scheduler.load_state_dict(meta.pop("scheduler"))
        for group, lr in zip(run.optimizer.param_groups, run.scheduler.get_last_lr()):
            group["lr"] = lr  # load_state_dict restores the schedule, not the optimiser's current rates
        best = ckpt / "best.safetensors"
        run.best = load_file(str(best)) if best.is_file() else None
        state = FitState.from_json(meta)
        logger.info("Resuming from %s at epoch %d, step %d", ckpt, state.epoch + 1, state.step)
        return state

    # -- output --------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the artifact (adapter, head, config, metrics, training log) atomically; returns ``path``.

        The written folder is read back with :func:`read_config` before it replaces ``path``, so the
        trainer never leaves an artifact that the loader would reject.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".artifact-", dir=path.parent))
        backbone: Any = self.model_.backbone  # a peft model
        backbone.peft_config["default"].base_model_name_or_path = BASE_MODEL_NAME
        backbone.save_pretrained(tmp / ADAPTER_DIR, save_embedding_layers=False)
        save_file(self.model_.head_state(), str(tmp / HEAD_NAME), metadata=head_metadata(list(LABELS)))
        write_config(tmp, self.artifact_config())
        with open(tmp / "training_log.jsonl", "w", encoding="utf-8") as log:
            for record in self.history_:
                log.write(json.dumps(dataclasses.asdict(record)) + "\n")
        (tmp / "metrics.json").write_text(json.dumps(self.metrics_, indent=2), encoding="utf-8")
        try:
            read_config(tmp, base_dir=self.base_dir_)
        except Exception:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
        return path

    def artifact_config(self) -> ArtifactConfig:
        """The ``tonlage.json`` contents of the fitted model."""
        return ArtifactConfig.from_settings(
            self.args.to_dict(),
            target_modules=list(LORA_TARGET_MODULES),
            labels=list(LABELS),
            thresholds=self.thresholds_,
            temperatures=self.temperatures_,
            base_model={"name": BASE_MODEL_NAME, "package": BASE_PACKAGE, "gguf_sha256": gguf_sha256()},
            data=self.data_.provenance,
        )

    def classifier(self) -> Classifier:
        """The trained model wrapped for inference (unmerged LoRA, fp32)."""
        return Classifier(self.model_, self.tokenizer_, self.artifact_config(), source="trainer")


class _Progress:
    """A rich progress bar with loss and ETA, or nothing when disabled."""

    def __init__(self, enabled: bool, total: int, done: int):
        self.enabled = enabled
        if enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("loss {task.fields[loss]:.4f}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            )
            self.task = self.bar.add_task("train", total=total, completed=done, epoch=1, loss=float("nan"))
            self.bar.start()

    def update(self, step: int, epoch: int, loss: float) -> None:
        if self.enabled:
            self.bar.update(self.task, completed=step, epoch=epoch, loss=loss)

    def log(self, message: str) -> None:
        if self.enabled:
            self.bar.console.print(message)

    def close(self) -> None:
        if self.enabled:
            self.bar.stop()


def train(args: TrainingArgs, base_dir: str | Path | None = None, progress: bool = True) -> Path:
    """Train with ``args`` and write the artifact to ``args.train.output``/model. Returns the artifact path."""
    trainer = Trainer(args, base_dir=base_dir, progress=progress).fit()
    return trainer.save(Path(args.train.output) / "model")

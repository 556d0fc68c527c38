"""LoRA fine-tuning of the tone model on CPU, with calibration, early stopping and resumable checkpoints."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from tonlage.model.artifact import ADAPTER_DIR, HEAD_NAME, ArtifactConfig, write_config
from tonlage.model.base import BASE_MODEL_NAME, BASE_PACKAGE, ensure_base_model, gguf_sha256, load_tokenizer
from tonlage.model.classifier import Classifier
from tonlage.model.labels import LABELS
from tonlage.model.modeling import LORA_TARGET_MODULES, ToneModel, batched_outputs, load_backbone, pad_batch
from tonlage.model.probability import sigmoid
from tonlage.training.calibration import calibrate
from tonlage.training.data_pipeline import TrainingData, load_training_data
from tonlage.training.metrics import label_scores
from tonlage.training.training_args import TrainingArgs

CHECKPOINT_DIR = "checkpoint"


@dataclass
class EpochRecord:
    epoch: int
    steps: int
    train_loss: float
    dev_macro_f1: float
    dev_per_label_f1: dict[str, float]
    seconds: float


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
    """

    def __init__(self, args: TrainingArgs, base_dir: str | Path | None = None, progress: bool = True):
        self.args = args
        self.base_dir = base_dir
        self.progress = progress

    # -- setup ---------------------------------------------------------------------------------

    def _build_model(self, base: Path) -> ToneModel:
        from peft import LoraConfig, get_peft_model

        torch.manual_seed(self.args.seed)
        backbone = load_backbone(base, self.args.num_layers)
        for p in backbone.parameters():
            p.requires_grad_(False)
        lora = LoraConfig(
            r=self.args.lora_r,
            lora_alpha=self.args.lora_alpha,
            lora_dropout=self.args.lora_dropout,
            target_modules=list(LORA_TARGET_MODULES),
            bias="none",
        )
        with warnings.catch_warnings():  # peft calls a transformers API that warns of its own deprecation
            warnings.simplefilter("ignore", FutureWarning)
            backbone = get_peft_model(backbone, lora)
        return ToneModel(backbone, num_labels=len(LABELS), dropout=self.args.dropout, pooling=self.args.pooling)

    def _pos_weight(self, data: TrainingData) -> torch.Tensor:
        if self.args.pos_weight == "none":
            return torch.ones(len(LABELS))
        pos = (data.targets * data.masks).sum(0)
        neg = ((1 - data.targets) * data.masks).sum(0)
        ratio = np.where(pos > 0, neg / np.maximum(pos, 1), 1.0)
        ratio = np.sqrt(ratio) if self.args.pos_weight == "sqrt" else ratio
        return torch.tensor(np.clip(ratio, 1.0, 20.0), dtype=torch.float32)

    # -- training ------------------------------------------------------------------------------

    def fit(self) -> Trainer:
        """Train, keep the best dev epoch, calibrate. Resumes from ``<output>/checkpoint`` if present."""
        args = self.args
        if args.threads:
            torch.set_num_threads(args.threads)
        base = Path(self.base_dir) if self.base_dir else ensure_base_model()
        self.tokenizer_ = load_tokenizer(base)
        self.data_ = load_training_data(args, self.tokenizer_)
        train, dev = self.data_.train, self.data_.dev
        model = self._build_model(base)
        trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        groups = [
            {"params": [p for n, p in trainable if not n.startswith("head.")], "lr": args.lr},
            {"params": [p for n, p in trainable if n.startswith("head.")], "lr": args.head_lr},
        ]
        optimizer = torch.optim.AdamW(groups, weight_decay=args.weight_decay)
        steps_per_epoch = math.ceil(math.ceil(len(train.input_ids) / args.batch_size) / args.grad_accum)
        total_steps = steps_per_epoch * args.epochs
        if args.max_steps:
            total_steps = min(total_steps, args.max_steps)
        from transformers import get_linear_schedule_with_warmup

        scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup_ratio * total_steps), total_steps)
        loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=self._pos_weight(train))

        state = {"epoch": 0, "batch": 0, "step": 0, "best_f1": -1.0, "bad_epochs": 0, "history": []}
        best_weights: dict[str, torch.Tensor] | None = None
        ckpt = Path(args.output) / CHECKPOINT_DIR
        if (ckpt / "state.json").is_file():
            state, best_weights = self._load_checkpoint(ckpt, model, optimizer, scheduler)
        else:
            torch.manual_seed(args.seed)
        lengths = np.array([len(x) for x in train.input_ids])
        pad = self.tokenizer_.pad_token_id
        stop = False
        bar = _Progress(self.progress, total_steps, state["step"])
        for epoch in range(state["epoch"], args.epochs):
            started = time.time()
            batches = length_batches(lengths, args.batch_size, np.random.default_rng(args.seed + epoch))
            model.train()
            running = state.get("running", [])
            for b in range(state["batch"], len(batches)):
                rows = batches[b]
                ids, mask = collate(train.input_ids, rows, pad)
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                    logits = model(ids, mask)
                target = torch.tensor(train.targets[rows], dtype=torch.float32)
                weight = torch.tensor(train.masks[rows], dtype=torch.float32)
                loss = (loss_fn(logits.float(), target) * weight).sum() / weight.sum().clamp(min=1.0)
                (loss / args.grad_accum).backward()
                running.append(float(loss.detach()))
                if (b + 1) % args.grad_accum == 0 or b + 1 == len(batches):
                    torch.nn.utils.clip_grad_norm_([p for _, p in trainable], 1.0)
                    optimizer.step()
                    scheduler.step()
                    optimizer.zero_grad(set_to_none=True)
                    state["step"] += 1
                    bar.update(state["step"], epoch + 1, float(np.mean(running[-20:])))
                    if args.checkpoint_every and state["step"] % args.checkpoint_every == 0:
                        state.update(epoch=epoch, batch=b + 1, running=running)
                        self._save_checkpoint(ckpt, model, optimizer, scheduler, state, best_weights)
                    if args.max_steps and state["step"] >= args.max_steps:
                        stop = True
                        break
            dev_logits = self._logits(model, dev.input_ids)
            dev_scores = self._scores(dev.targets, dev_logits)
            record = EpochRecord(
                epoch=epoch + 1,
                steps=state["step"],
                train_loss=round(float(np.mean(running)) if running else float("nan"), 5),
                dev_macro_f1=round(dev_scores["macro_f1"], 5),
                dev_per_label_f1={k: round(v["f1"], 5) for k, v in dev_scores["per_label"].items()},
                seconds=round(time.time() - started, 1),
            )
            state["history"].append(record.__dict__)
            bar.log(f"epoch {record.epoch}: loss {record.train_loss:.4f}, dev macro-F1 {record.dev_macro_f1:.4f} "
                    f"{record.dev_per_label_f1}")
            if record.dev_macro_f1 > state["best_f1"]:
                state["best_f1"], state["bad_epochs"] = record.dev_macro_f1, 0
                best_weights = {n: p.detach().clone() for n, p in trainable}
            else:
                state["bad_epochs"] += 1
            state.update(epoch=epoch + 1, batch=0, running=[])
            if epoch + 1 < args.epochs and not stop:
                self._save_checkpoint(ckpt, model, optimizer, scheduler, state, best_weights)
            if stop or state["bad_epochs"] >= args.patience:
                break
        bar.close()
        if best_weights is not None:
            with torch.no_grad():
                for n, p in trainable:
                    p.copy_(best_weights[n])
        self.model_ = model
        self.history_ = [EpochRecord(**h) for h in state["history"]]
        self._calibrate()
        shutil.rmtree(ckpt, ignore_errors=True)
        return self

    def _calibrate(self) -> None:
        dev_logits = self._logits(self.model_, self.data_.dev.input_ids)
        self.temperatures_, self.thresholds_ = calibrate(self.data_.dev.targets, dev_logits, list(LABELS))
        self.metrics_ = {"dev": self._scores(self.data_.dev.targets, dev_logits, self.temperatures_, self.thresholds_)}
        if self.data_.test is not None:
            test_logits = self._logits(self.model_, self.data_.test.input_ids)
            self.metrics_["test"] = self._scores(self.data_.test.targets, test_logits, self.temperatures_, self.thresholds_)

    def _logits(self, model: ToneModel, input_ids: list[list[int]], batch_size: int = 32) -> np.ndarray:
        model.eval()
        out = batched_outputs(model, input_ids, self.tokenizer_.pad_token_id, len(LABELS), batch_size, bf16_autocast=self.args.bf16)
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

    def _save_checkpoint(self, ckpt: Path, model, optimizer, scheduler, state: dict, best) -> None:
        tmp = Path(tempfile.mkdtemp(prefix=".ckpt-", dir=ckpt.parent if ckpt.parent.exists() else None))
        ckpt.parent.mkdir(parents=True, exist_ok=True)
        params = {n: p.detach().contiguous() for n, p in model.named_parameters() if p.requires_grad}
        save_file(params, str(tmp / "params.safetensors"))
        if best is not None:
            save_file({n: t.contiguous() for n, t in best.items()}, str(tmp / "best.safetensors"))
        opt_tensors, opt_meta = {}, {}
        name_of = {id(p): n for n, p in model.named_parameters()}
        for group in optimizer.param_groups:
            for p in group["params"]:
                for key, value in optimizer.state.get(p, {}).items():
                    if torch.is_tensor(value):
                        opt_tensors[f"{name_of[id(p)]}::{key}"] = value.contiguous()
        opt_tensors["__torch_rng__"] = torch.get_rng_state()
        save_file(opt_tensors, str(tmp / "optimizer.safetensors"))
        opt_meta["scheduler"] = scheduler.state_dict()
        (tmp / "state.json").write_text(json.dumps({**state, **opt_meta}), encoding="utf-8")
        if ckpt.exists():
            shutil.rmtree(ckpt)
        os.replace(tmp, ckpt)

    def _load_checkpoint(self, ckpt: Path, model, optimizer, scheduler):
        meta = json.loads((ckpt / "state.json").read_text(encoding="utf-8"))
        params = load_file(str(ckpt / "params.safetensors"))
        named = dict(model.named_parameters())
        with torch.no_grad():
            for n, t in params.items():
                named[n].copy_(t)
        opt = load_file(str(ckpt / "optimizer.safetensors"))
        torch.set_rng_state(opt.pop("__torch_rng__"))
        for group in optimizer.param_groups:
            for p in group["params"]:
                name = next(n for n, q in named.items() if q is p)
                entries = {k.split("::", 1)[1]: v for k, v in opt.items() if k.split("::", 1)[0] == name}
                if entries:
                    optimizer.state[p] = entries
        scheduler.load_state_dict(meta.pop("scheduler"))
        for group, lr in zip(optimizer.param_groups, scheduler.get_last_lr()):
            group["lr"] = lr  # load_state_dict restores the schedule, not the optimiser's current rates
        best = load_file(str(ckpt / "best.safetensors")) if (ckpt / "best.safetensors").is_file() else None
        if self.progress:
            print(f"Resuming from {ckpt} at epoch {meta['epoch'] + 1}, step {meta['step']}")
        return meta, best

    # -- output --------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the artifact (adapter, head, config with calibration and metrics, training log) atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".artifact-", dir=path.parent))
        backbone = self.model_.backbone
        backbone.peft_config["default"].base_model_name_or_path = BASE_MODEL_NAME
        backbone.save_pretrained(tmp / ADAPTER_DIR, save_embedding_layers=False)
        save_file(self.model_.head_state(), str(tmp / HEAD_NAME))
        config = self.artifact_config()
        write_config(tmp, config)
        with open(tmp / "training_log.jsonl", "w", encoding="utf-8") as log:
            for record in self.history_:
                log.write(json.dumps(record.__dict__) + "\n")
        (tmp / "metrics.json").write_text(json.dumps(self.metrics_, indent=2), encoding="utf-8")
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
        return path

    def artifact_config(self) -> ArtifactConfig:
        args = self.args
        return ArtifactConfig(
            labels=list(LABELS),
            num_layers=args.num_layers,
            max_length=args.max_length,
            pooling=args.pooling,
            thresholds=self.thresholds_,
            temperatures=self.temperatures_,
            base_model={"name": BASE_MODEL_NAME, "package": BASE_PACKAGE, "gguf_sha256": gguf_sha256()},
            lora={"r": args.lora_r, "alpha": args.lora_alpha, "dropout": args.lora_dropout,
                  "target_modules": list(LORA_TARGET_MODULES)},
            training=args.to_dict(),
            data=self.data_.provenance,
            metrics=self.metrics_,
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
    """Train with ``args`` and write the artifact to ``args.output``/model. Returns the artifact path."""
    trainer = Trainer(args, base_dir=base_dir, progress=progress).fit()
    return trainer.save(Path(args.output) / "model")

"""The tone model: a truncated Gemma 3 backbone, masked mean pooling and a linear multi-label head."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import Gemma3TextConfig, Gemma3TextModel

LORA_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def truncated_config(config: Gemma3TextConfig, num_layers: int) -> Gemma3TextConfig:
    """A copy of ``config`` keeping only the first ``num_layers`` decoder layers."""
    if not 1 <= num_layers <= config.num_hidden_layers:
        raise ValueError(f"num_layers must be between 1 and {config.num_hidden_layers}, got {num_layers}")
    config = copy.deepcopy(config)
    config.layer_types = list((config.layer_types or [])[:num_layers])
    config.num_hidden_layers = num_layers
    config.use_cache = False
    return config


def load_backbone(base_dir: str | Path, num_layers: int, dtype: torch.dtype = torch.float32) -> Gemma3TextModel:
    """Load the first ``num_layers`` layers of the converted base model from ``base_dir``, offline."""
    from transformers.utils import logging

    config = Gemma3TextConfig.from_pretrained(base_dir, local_files_only=True)
    config = truncated_config(config, num_layers)
    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()  # the dropped layers would be listed as "unexpected keys"
    logging.disable_progress_bar()
    try:
        # The checkpoint holds a causal LM; its "model." prefix is stripped by from_pretrained.
        return Gemma3TextModel.from_pretrained(base_dir, config=config, dtype=dtype, local_files_only=True)
    finally:
        logging.set_verbosity(verbosity)
        logging.enable_progress_bar()


POOLINGS = ("mean", "mean_last")


def pad_batch(sequences: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ``(input_ids, attention_mask)`` tensors for token id lists of varying length."""
    width = max(len(seq) for seq in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids, mask



@torch.inference_mode()
def batched_outputs(
    forward: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    sequences: Sequence[Sequence[int]],
    pad_id: int,
    width: int,
    batch_size: int = 16,
    bf16_autocast: bool = False,
) -> np.ndarray:
    """``forward(input_ids, attention_mask)`` over token id lists in length-sorted batches, rows in input order.

    Sorting by length keeps padding (wasted compute) small; the stable sort makes batches reproducible.

    Args:
        forward: Maps a right-padded batch to a ``(batch, width)`` tensor (logits or pooled features).
        sequences: Token id lists of any lengths.
        pad_id: Padding token id.
        width: Columns of the output.
        batch_size: Sequences per forward pass.
        bf16_autocast: Run under CPU bfloat16 autocast (training-time evaluation of an fp32 model).
    """
    order = np.argsort([len(seq) for seq in sequences], kind="stable")
    out = np.zeros((len(sequences), width), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        ids, mask = pad_batch([list(sequences[i]) for i in rows], pad_id)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16_autocast):
            out[rows] = forward(ids, mask).float().numpy()
    return out

class ToneModel(nn.Module):
    """Backbone + pooling + dropout + linear head giving one logit per label.

    Pooling is the masked mean of the last hidden states (``mean``), or that mean concatenated with the
    last token's state (``mean_last``). The backbone is causal, so only the last token has seen the
    whole statement, including the verb that German puts last ("... für seine Hilfe gedankt").
    Padding may be on either side: pooling uses the attention mask, and position ids are derived
    from it, so left- and right-padded batches give the same logits.
    """

    def __init__(self, backbone: nn.Module, num_labels: int, dropout: float = 0.1, pooling: str = "mean"):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}, got {pooling!r}")
        self.backbone = backbone
        self.pooling = pooling
        hidden_size: int = backbone.config.hidden_size  # type: ignore[union-attr,assignment]
        hidden = hidden_size * (2 if pooling == "mean_last" else 1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, num_labels)
        nn.init.normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)

    def pool(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Pooled statement vectors, shape ``(batch, head input)``, in float32."""
        position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
        hidden = self.backbone(
            input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        summed = (hidden * mask).sum(dim=1).float()
        mean = summed / mask.sum(dim=1).float().clamp(min=1.0)
        if self.pooling == "mean":
            return mean
        positions = torch.arange(attention_mask.shape[1], device=attention_mask.device)
        last = (attention_mask.long() * positions).argmax(dim=1)
        return torch.cat([mean, hidden[torch.arange(hidden.shape[0]), last].float()], dim=-1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits of shape ``(batch, num_labels)``."""
        pooled = self.pool(input_ids, attention_mask)
        head_dtype = self.head.weight.dtype
        return self.head(self.dropout(pooled.to(head_dtype))).float()

    def head_state(self) -> dict[str, torch.Tensor]:
        """The head's tensors, for saving beside the adapter."""
        return {f"head.{k}": v.detach().float().contiguous() for k, v in self.head.state_dict().items()}

    def load_head_state(self, state: dict[str, torch.Tensor]) -> None:
        """Load tensors produced by :meth:`head_state`."""
        self.head.load_state_dict({k.removeprefix("head."): v for k, v in state.items()})

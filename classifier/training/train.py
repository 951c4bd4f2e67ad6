"""End-to-end training: corpus → lexical model → transformer (top layers fine-tuned) → calibration → the
combination chosen on validation → artifact + evaluation on the untouched test split.

Everything that is chosen (epochs, temperatures, the cascade, the misinformation threshold) is chosen on the
validation split; the test split is only predicted once, at the end, with the model exactly as it is served
(int8 when ``quantize``).
"""
from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import f1_score

from classifier.calibration import fit_temperature, softmax
from classifier.combine import choose
from classifier.corpus import Corpus, LabeledMention, load_corpus
from classifier.heads import HEADS, targets
from classifier.lexical import LexicalModel
from classifier.metrics import Gold, misinformation_score, overall, quality
from classifier.service import LEXICAL_FILE, MANIFEST, OVERLAY_FILE
from common.text import normalize

# progress(stage, done, total)
Progress = Callable[[str, int, int], None]


@dataclass
class TrainConfig:
    n_tuned: int = 4
    epochs: int = 5
    batch_size: int = 32
    learning_rate: float = 1e-4
    head_learning_rate: float = 2e-3
    max_length: int = 256
    lexical_c: tuple[float, ...] = (4.0, 8.0, 16.0)  # regularization grid, chosen on validation
    quantize: bool = True
    seed: int = 13
    threads: int | None = None


@dataclass
class SplitPredictions:
    records: list[LabeledMention]
    lexical: dict[str, np.ndarray]
    transformer: dict[str, np.ndarray]
    served: dict[str, np.ndarray]
    settled: np.ndarray


@dataclass
class TrainResult:
    manifest: dict[str, Any]
    validation: SplitPredictions
    test: SplitPredictions
    history: list[dict[str, float]] = field(default_factory=list)
    grid: list = field(default_factory=list)


def _seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _targets(records: Sequence[LabeledMention]) -> dict[str, list[int | None]]:
    per = [targets(r) for r in records]
    return {h: [t[h] for t in per] for h in HEADS}


def _batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Length-sorted chunks of ``batch_size`` (little padding), in shuffled order; a little noise in the sort so
    the same texts do not always share a batch."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i] + rng.random() * 8)
    chunks = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(chunks)
    return chunks


def _pad(states: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(s.shape[0] for s in states)
    hidden = torch.zeros((len(states), width, states[0].shape[1]))
    mask = torch.zeros((len(states), width), dtype=torch.long)
    for i, s in enumerate(states):
        hidden[i, :s.shape[0]] = s.float()
        mask[i, :s.shape[0]] = 1
    return hidden, mask


def cache_bottom(model, tokenizer, texts: Sequence[str], max_length: int, progress: Progress) -> list[torch.Tensor]:
    """Output of the frozen bottom layers per text (unpadded, fp16): computed once, reused every epoch."""
    from classifier.transformer import Tokenized

    tok = Tokenized(tokenizer, texts, max_length)
    states: list[torch.Tensor | None] = [None] * len(texts)
    done = 0
    model.eval()
    with torch.inference_mode():
        for indices in tok.buckets(max_tokens=4096, max_batch=64):
            ids, mask = tok.tensors(indices)
            hidden = model.bottom(ids, mask)
            for row, i in enumerate(indices):
                states[i] = hidden[row, :len(tok.ids[i])].to(torch.float16).clone()
            done += len(indices)
            progress("cache frozen layers", done, len(texts))
    return states  # type: ignore[return-value]


def _top_logits(model, states: Sequence[torch.Tensor], batch: int = 64) -> dict[str, np.ndarray]:
    model.eval()
    with torch.inference_mode():
        order = sorted(range(len(states)), key=lambda i: states[i].shape[0])
        chunks = [order[i:i + batch] for i in range(0, len(order), batch)]
        rows = {h: np.zeros((len(states), len(c)), dtype=np.float32) for h, c in HEADS.items()}
        for chunk in chunks:
            hidden, mask = _pad([states[i] for i in chunk])
            logits = model.top(hidden, mask)
            for h in HEADS:
                rows[h][chunk] = logits[h].numpy()
    return rows


def train_transformer(model, train_states, train_y: dict[str, list[int | None]], val_states, val_gold: Gold,
                      config: TrainConfig, progress: Progress) -> list[dict[str, float]]:
    """Fine-tune the top layers + heads; keeps the epoch with the best validation score."""
    rng = random.Random(config.seed)
    model.freeze_bottom()
    layer_params = [p for layer in model.encoder.encoder.layer[model.split:] for p in layer.parameters()]
    optimizer = torch.optim.AdamW([
        {"params": layer_params, "lr": config.learning_rate},
        {"params": list(model.heads.parameters()), "lr": config.head_learning_rate},
    ], weight_decay=0.01)
    lengths = [s.shape[0] for s in train_states]
    steps_per_epoch = -(-len(train_states) // config.batch_size)
    total = steps_per_epoch * config.epochs
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=[config.learning_rate, config.head_learning_rate], total_steps=total, pct_start=0.1)
    y = {h: torch.tensor([-100 if v is None else v for v in train_y[h]]) for h in HEADS}
    # misinformation is rare: weight its positive class by the imbalance (capped)
    mis = [v for v in train_y["misinformation"] if v is not None]
    pos_weight = min(max((len(mis) - sum(mis)) / max(sum(mis), 1), 1.0), 6.0)
    loss_fns = {h: torch.nn.CrossEntropyLoss(ignore_index=-100) for h in HEADS}
    loss_fns["misinformation"] = torch.nn.CrossEntropyLoss(ignore_index=-100,
                                                           weight=torch.tensor([1.0, pos_weight]))
    history: list[dict[str, float]] = []
    best_score, best_state = -1.0, None
    step = 0
    for epoch in range(1, config.epochs + 1):
        model.train()
        running = 0.0
        for chunk in _batches(lengths, config.batch_size, rng):
            hidden, mask = _pad([train_states[i] for i in chunk])
            logits = model.top(hidden, mask)
            idx = torch.tensor(chunk)
            loss = sum(loss_fns[h](logits[h], y[h][idx]) for h in HEADS if (y[h][idx] != -100).any())
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(model.tuned_parameters()), 1.0)
            optimizer.step()
            scheduler.step()
            running += float(loss.detach())
            step += 1
            progress(f"fine-tune epoch {epoch}/{config.epochs}", step, total)
        val_logits = _top_logits(model, val_states)
        figures = quality(val_gold, {h: softmax(v) for h, v in val_logits.items()})
        score = overall(figures)
        history.append({"epoch": epoch, "train_loss": running / steps_per_epoch, "validation_score": score,
                        **{f"validation_{k}": v for k, v in figures.items()}})
        if score > best_score:
            best_score = score
            best_state = {k: v.detach().clone() for k, v in model.overlay_state().items()}
    assert best_state is not None
    for i, layer in enumerate(model.encoder.encoder.layer[model.split:], start=model.split):
        layer.load_state_dict({k.split(".", 3)[3]: v for k, v in best_state.items()
                               if k.startswith(f"encoder.layer.{i}.")})
    model.heads.load_state_dict({k.removeprefix("heads."): v for k, v in best_state.items()
                                 if k.startswith("heads.")})
    model.eval()
    return history


def _best_threshold(y_true: np.ndarray, score: np.ndarray) -> float:
    """The misinformation decision threshold maximizing F1 on validation."""
    best, best_t = -1.0, 0.5
    for t in np.unique(np.round(score, 3)):
        f1 = f1_score(y_true, score >= t, zero_division=0)
        if f1 > best:
            best, best_t = f1, float(t)
    return best_t


def train(out_dir: Path, *, corpus: Corpus | None = None, base_dir: Path | None = None,
          config: TrainConfig | None = None, progress: Progress | None = None) -> TrainResult:
    """Train everything and write the artifact to ``out_dir`` (the evaluation report is written separately)."""
    from classifier.service import MentionClassifier, default_base_dir, load_transformer
    from classifier.transformer import MultiTaskModel, load_encoder, predict_logits, quantize_int8

    config = config or TrainConfig()
    report = progress or (lambda stage, done, total: None)
    if config.threads:
        torch.set_num_threads(config.threads)
    _seed(config.seed)
    started = time.perf_counter()
    corpus = corpus or load_corpus()
    train_recs, val_recs, test_recs = (corpus.split(s) for s in ("train", "validation", "test"))
    if not (train_recs and val_recs and test_recs):
        raise ValueError("every split needs records: the corpus is too small")
    val_gold, test_gold = Gold.of(val_recs), Gold.of(test_recs)
    texts = {name: [r.text for r in recs] for name, recs in
             (("train", train_recs), ("validation", val_recs), ("test", test_recs))}
    normalized = {name: [normalize(t) for t in ts] for name, ts in texts.items()}

    # 1. lexical: one model per C of the grid, the best on validation is kept
    fitted = []
    for i, c in enumerate(config.lexical_c):
        report("lexical model", i, len(config.lexical_c))
        candidate = LexicalModel(C=c, seed=config.seed).fit(texts["train"], _targets(train_recs))
        logits = candidate.logits(texts["validation"])
        fitted.append((overall(quality(val_gold, {h: softmax(v) for h, v in logits.items()})), -i, candidate, logits))
    report("lexical model", len(config.lexical_c), len(config.lexical_c))
    _, _, lexical, lex_val_logits = max(fitted, key=lambda x: x[:2])
    del fitted

    # 2. transformer: cache the frozen bottom, fine-tune the top
    if base_dir is None:
        from classifier.model import build_encoder

        base_dir = build_encoder(default_base_dir())
    encoder, tokenizer = load_encoder(Path(base_dir))
    model = MultiTaskModel(encoder, config.n_tuned)
    # the top layers learn on the bottom's output exactly as served: int8 when serving int8
    bottom = quantize_int8(model, "int8-bottom") if config.quantize else model
    train_states = cache_bottom(bottom, tokenizer, normalized["train"] + normalized["validation"],
                                config.max_length, report)
    del bottom
    val_states = train_states[len(train_recs):]
    train_states = train_states[:len(train_recs)]
    history = train_transformer(model, train_states, _targets(train_recs), val_states, val_gold, config, report)

    # 3. write the overlay and lexical model, then reload them exactly as served (int8) for calibration
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_overlay(out_dir / OVERLAY_FILE)
    lexical.save(out_dir / LEXICAL_FILE)
    spec = {"layers": encoder.config.num_hidden_layers, "hidden": encoder.config.hidden_size,
            "n_tuned": config.n_tuned, "max_length": config.max_length, "quantization": "fp32"}
    del model, encoder, train_states, val_states
    # int8 everywhere is fastest; int8 bottom + fp32 top is served instead when it is clearly better on validation
    variants = ("int8-all", "int8-bottom") if config.quantize else ("fp32",)
    scored = []
    for i, variant in enumerate(variants):
        report("served model on validation", i, len(variants))
        candidate, tokenizer = load_transformer(out_dir, {"transformer": {**spec, "quantization": variant}},
                                                base_dir=base_dir)
        logits = predict_logits(candidate, tokenizer, normalized["validation"], max_length=config.max_length)
        scored.append((overall(quality(val_gold, {h: softmax(v) for h, v in logits.items()})), variant, candidate,
                       logits))
        del candidate
    report("served model on validation", len(variants), len(variants))
    best = max(s for s, *_ in scored)
    _, spec["quantization"], served_model, tr_val_logits = next(x for x in scored if x[0] >= best - 0.005)
    spec["quantization_validation_scores"] = {variant: score for score, variant, *_ in scored}
    del scored

    # 4. calibrate both on validation (gold-applicable rows only), choose the combination and thresholds
    temperatures: dict[str, dict[str, float]] = {"lexical": {}, "transformer": {}}
    for name, logits in (("lexical", lex_val_logits), ("transformer", tr_val_logits)):
        for h in HEADS:
            rows = val_gold.y[h] >= 0
            safe = np.where(np.isfinite(logits[h][rows]), logits[h][rows], -1e4)
            temperatures[name][h] = fit_temperature(safe, val_gold.y[h][rows])
    lex_val = {h: softmax(lex_val_logits[h], temperatures["lexical"][h]) for h in HEADS}
    tr_val = {h: softmax(tr_val_logits[h], temperatures["transformer"][h]) for h in HEADS}
    choice, grid = choose(val_gold, lex_val, tr_val)
    served_val = choice.combination.apply(lex_val, tr_val)
    thresholds = {"relevant": 0.5,
                  "misinformation": _best_threshold(val_gold.misinformation, misinformation_score(served_val))}

    version = f"cw-{datetime.now(UTC):%Y%m%d}-{corpus.digest()[:8]}-t{config.n_tuned}"
    manifest: dict[str, Any] = {
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus": {"digest": corpus.digest(), "records": len(corpus.records),
                   "splits": {s: len(corpus.split(s)) for s in ("train", "validation", "test")}},
        "transformer": spec,
        "training": {**{k: v for k, v in vars(config).items() if k != "threads"}, "lexical_c_chosen": lexical.C},
        "temperatures": temperatures,
        "combination": choice.combination.as_dict(),
        "thresholds": thresholds,
        "validation": {"served": choice.figures, "settled_share": choice.settled_share,
                       "lexical": quality(val_gold, lex_val), "transformer": quality(val_gold, tr_val)},
        "history": history,
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    # 5. the test split, once, through the served classifier
    served = MentionClassifier(manifest, lexical, served_model, tokenizer)
    report("test split", 0, 1)
    lex_test = served.lexical_probs(texts["test"])
    tr_test = served.transformer_probs(normalized["test"])
    test_probs = choice.combination.apply(lex_test, tr_test)
    report("test split", 1, 1)
    manifest["test"] = {"served": quality(test_gold, test_probs), "lexical": quality(test_gold, lex_test),
                        "transformer": quality(test_gold, tr_test),
                        "settled_share": float(choice.combination.settled(lex_test).mean())}
    manifest["train_seconds"] = round(time.perf_counter() - started, 1)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return TrainResult(
        manifest=manifest,
        validation=SplitPredictions(val_recs, lex_val, tr_val, served_val, choice.combination.settled(lex_val)),
        test=SplitPredictions(test_recs, lex_test, tr_test, test_probs, choice.combination.settled(lex_test)),
        history=history, grid=grid)

"""The multi-task transformer on a tiny random encoder: the split forward, bucketing, the overlay, int8."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from classifier.heads import HEADS
from classifier.transformer import MultiTaskModel, Tokenized, load_encoder, predict_logits, quantize_int8

TEXTS = [
    "Lương hưu tháng này về chậm quá",
    "bhxh quan 7 lam viec cham, nop ho so 3 thang chua xong 😡",
    "Mua bảo hiểm xe máy ở đâu rẻ?",
    "BHXH Việt Nam khẳng định thông tin vỡ quỹ là sai sự thật. Kết dư quỹ hưu trí vẫn tăng qua từng năm, "
    "người dân không nên hoang mang trước các tin đồn trên mạng xã hội." * 3,
    "ok",
]


@pytest.fixture(scope="module")
def model_and_tokenizer(tiny_base_dir: Path):
    encoder, tokenizer = load_encoder(tiny_base_dir)
    return MultiTaskModel(encoder, n_tuned=1).eval(), tokenizer


def test_bottom_then_top_equals_one_forward_and_matches_the_encoder(model_and_tokenizer) -> None:
    model, tokenizer = model_and_tokenizer
    tok = Tokenized(tokenizer, TEXTS, max_length=64)
    ids, mask = tok.tensors(range(len(TEXTS)))
    with torch.inference_mode():
        hidden = model.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        split = model.bottom(ids, mask)
        for layer in model.encoder.encoder.layer[model.split:]:
            split = layer(split, attention_mask=model._mask(split, mask))
    assert torch.allclose(hidden, split, atol=1e-5)
    logits = model(ids, mask)
    assert {h: v.shape for h, v in logits.items()} == {h: (len(TEXTS), len(c)) for h, c in HEADS.items()}


def test_buckets_cover_every_text_once_within_the_token_budget(model_and_tokenizer) -> None:
    _, tokenizer = model_and_tokenizer
    texts = TEXTS * 20
    tok = Tokenized(tokenizer, texts, max_length=64)
    buckets = list(tok.buckets(max_tokens=256, max_batch=8))
    assert sorted(i for b in buckets for i in b) == list(range(len(texts)))
    for bucket in buckets:
        assert len(bucket) <= 8
        assert max(len(tok.ids[i]) for i in bucket) * len(bucket) <= max(256, len(tok.ids[bucket[0]]))
    assert max(len(ids) for ids in tok.ids) == 64  # truncated, not padded to 512


def test_a_texts_logits_do_not_depend_on_its_batch(model_and_tokenizer) -> None:
    model, tokenizer = model_and_tokenizer
    together = predict_logits(model, tokenizer, TEXTS, max_length=64)
    for i, text in enumerate(TEXTS):
        alone = predict_logits(model, tokenizer, [text], max_length=64)
        for head in HEADS:
            assert np.allclose(together[head][i], alone[head][0], atol=1e-4)


def test_overlay_round_trip_and_mismatch(model_and_tokenizer, tiny_base_dir: Path, tmp_path: Path) -> None:
    model, tokenizer = model_and_tokenizer
    with torch.no_grad():
        for p in model.tuned_parameters():
            p.add_(torch.randn_like(p) * 0.1)
    path = tmp_path / "overlay.safetensors"
    model.save_overlay(path)
    encoder, _ = load_encoder(tiny_base_dir)
    fresh = MultiTaskModel(encoder, n_tuned=1).eval()
    fresh.load_overlay(path)
    a = predict_logits(model, tokenizer, TEXTS, max_length=64)
    b = predict_logits(fresh, tokenizer, TEXTS, max_length=64)
    for head in HEADS:  # fp16 storage
        assert np.allclose(a[head], b[head], atol=2e-2)
    encoder, _ = load_encoder(tiny_base_dir)
    with pytest.raises(ValueError, match="overlay does not fit"):
        MultiTaskModel(encoder, n_tuned=2).load_overlay(path)


def test_int8_keeps_the_decisions(model_and_tokenizer) -> None:
    model, tokenizer = model_and_tokenizer
    fp32 = predict_logits(model, tokenizer, TEXTS, max_length=64)
    int8 = predict_logits(quantize_int8(model), tokenizer, TEXTS, max_length=64)
    for head in HEADS:
        assert np.abs(fp32[head] - int8[head]).max() < 0.1

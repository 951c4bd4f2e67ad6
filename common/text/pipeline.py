"""The one-call text pipeline used by the crawlers and ``crisiswatch inspect``."""
from __future__ import annotations

from dataclasses import dataclass, field

from .forms import analyze_cleaned, clean
from .pii import mask_pii
from .provinces import ProvinceHit, detect_province

__all__ = ["ProcessedText", "process"]


@dataclass(frozen=True)
class ProcessedText:
    """Result of :func:`process`.

    ``cleaned`` still contains the personal numbers: it is for in-process use only and is left out of ``repr``;
    store and display ``masked``.  ``pii`` holds kinds and counts only (never digits or tokens).
    """

    cleaned: str = field(repr=False)
    masked: str
    normalized: str
    folded: str
    province: ProvinceHit | None
    pii: dict[str, int]
    #: the analyzer tokens of the masked text (same as ``common.text.tokens(masked)``)
    tokens: tuple[str, ...] = ()


def process(raw: str, key: bytes) -> ProcessedText:
    """clean → mask PII (keyed hash) → normalize → fold; province from the cleaned text."""
    cleaned = clean(raw)
    masked = mask_pii(cleaned, key)
    normalized, folded, toks = zip(*analyze_cleaned(masked.text))
    return ProcessedText(
        cleaned=cleaned,
        masked=masked.text,
        normalized=" ".join(normalized),
        folded=" ".join(folded),
        province=detect_province(cleaned),
        pii=masked.counts() if masked.findings else {},
        tokens=tuple(" ".join(toks).split()),
    )

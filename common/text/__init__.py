"""Vietnamese text toolkit of crisiswatch.

- text forms: :func:`clean` (display/storage), :func:`normalize` (analysis), :func:`fold` (accent-folded key),
  :func:`tokens` (THE analyzer shared by the query language and the search indices);
- :func:`decode_utf8` / :class:`InvalidTextError`: strict decoding of incoming bytes;
- :func:`mask_pii`: Decree 13/2023 masking of phones, BHXH codes, CCCD and bank accounts with keyed-hash tokens;
- province gazetteer: :func:`detect_provinces`, :func:`detect_province`, :func:`resolve_province`,
  ``PROVINCES_NEW`` (34), ``OLD_TO_NEW`` (63);
- :func:`process` (in ``common.text.pipeline``): the one-call pipeline.

See README.md in this folder for the decisions.
"""
from .encoding import InvalidTextError, decode_utf8
from .forms import clean, fold, normalize, tokens
from .pii import MaskResult, PiiFinding, mask_pii
from .pipeline import ProcessedText, process
from .provinces import (
    NEW_TO_OLD,
    OLD_TO_NEW,
    PROVINCES_NEW,
    PROVINCES_OLD,
    ProvinceHit,
    detect_province,
    detect_provinces,
    resolve_province,
)
from .teencode import TEENCODE

__all__ = [
    "InvalidTextError", "MaskResult", "NEW_TO_OLD", "OLD_TO_NEW", "PROVINCES_NEW", "PROVINCES_OLD", "PiiFinding",
    "ProcessedText", "ProvinceHit", "TEENCODE", "clean", "decode_utf8", "detect_province", "detect_provinces",
    "fold", "mask_pii", "normalize", "process", "resolve_province", "tokens",
]

"""Known-claims registry and matcher (refuted rumors about BHXH). See README.md in this folder."""
from .matcher import ClaimMatcher, EmbeddingScorer, LexicalScorer, MaxScorer, Scorer, detect_stance
from common.claims import (
    DEFAULT_CLAIMS_FILE,
    Claim,
    ClaimSource,
    Registry,
    RegistryError,
    add_claim,
    load_registry,
    parse_registry,
    save_registry,
)

__all__ = [
    "Claim", "ClaimMatcher", "ClaimSource", "DEFAULT_CLAIMS_FILE", "EmbeddingScorer", "LexicalScorer", "MaxScorer",
    "Registry", "RegistryError", "Scorer", "add_claim", "detect_stance", "load_registry", "parse_registry", "save_registry",
]

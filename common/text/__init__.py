"""Vietnamese text toolkit (interface stub; being completed)."""
import re
import unicodedata

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped.replace("đ", "d").replace("Đ", "D"))


def tokens(text: str) -> list[str]:
    return _WORD.findall(fold(unicodedata.normalize("NFC", text)).lower())

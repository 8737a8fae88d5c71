"""Fold Vietnamese text so that "Hùng", "hung" and "HÙNG" compare equal.

NFD decomposition drops tone and vowel marks but leaves đ/Đ, which are
letters of their own, so they are mapped by hand.
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_EXTRA_LETTERS = str.maketrans({"đ": "d", "Đ": "D"})


def strip_marks(text: str) -> str:
    """Remove diacritics but keep case and spacing."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.translate(_EXTRA_LETTERS)


def fold(text: str) -> str:
    """Lower-case, diacritic-free, single-spaced form used for matching."""
    return _SPACES.sub(" ", strip_marks(text).casefold()).strip()


def has_marks(text: str) -> bool:
    """True when the text carries any Vietnamese diacritic (so it can be read as typed)."""
    return strip_marks(text) != unicodedata.normalize("NFC", text)

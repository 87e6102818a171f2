"""One comparison key for everything an inspector types against the vocabulary.

Labels, values, aliases and unit words are compared by `key(text)`: Unicode NFKC (full-width
digits, letters, `＝`, `％` and brackets `（）` become their ASCII forms), Chinese and ASCII
quotation marks unified, all white space removed, letters lower-cased. So `新建矿井(建设期间)`,
`新建矿井（建设期间）` and `新建矿井 （建设期间）` are one value. Nothing else is guessed here.
"""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "「": '"', "」": '"', "『": '"', "』": '"',
                         "‘": "'", "’": "'"})
_SPACE = re.compile(r"\s+")


def key(text: str) -> str:
    """The comparison key of a label, value, alias or unit word (see the module doc)."""
    text = unicodedata.normalize("NFKC", str(text)).translate(_QUOTES)
    return _SPACE.sub("", text).lower()


def text(raw: str) -> str:
    """What the user typed, NFKC-normalised and stripped, for parsing (case and inner spaces kept)."""
    return unicodedata.normalize("NFKC", str(raw)).translate(_QUOTES).strip()

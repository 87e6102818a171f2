"""The input words every sector shares (knowledge/words.yaml): yes/no/unknown answers, answers
that fit only some facts, and unit spellings with exact conversion factors.

They are data, reviewed like the vocabularies; this module only loads and checks them. Each
sector's own value aliases live on its facts (`aliases:` in vocabulary*.yaml).
"""

from __future__ import annotations

import os
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine.errors import KnowledgeError
from engine.normalize import key

WORDS_FILE = "words.yaml"


class ConditionalAnswers(BaseModel):
    """Yes/no words that are read only for facts whose label fits (see knowledge/words.yaml)."""

    # defer_build: the validator is built on first validation; a start whose words come from the
    # knowledge cache (engine.kbcache, see seed) builds none
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    words: dict[str, bool]
    only_if_label_has: list[str] = Field(default_factory=list)
    unless_label_has: list[str] = Field(default_factory=list)

    def applies_to(self, label: str) -> bool:
        if self.only_if_label_has and not any(w in label for w in self.only_if_label_has):
            return False
        return not any(w in label for w in self.unless_label_has)


class Words(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    yes: list[str]
    no: list[str]
    unknown: list[str]
    conditional: list[ConditionalAnswers] = Field(default_factory=list)
    units: dict[str, dict[str, Union[int, str]]] = Field(default_factory=dict)
    prefix_units: dict[str, str] = Field(default_factory=dict)
    # units whose values are written with ± for the two poles of direct current (±800kV): the number
    # after the sign is the magnitude the criteria compare
    signed_magnitude_units: list[str] = Field(default_factory=list)

    @field_validator("units")
    @classmethod
    def _factors(cls, v: dict[str, dict[str, Union[int, str]]]) -> dict[str, dict[str, Union[int, str]]]:
        for unit, spellings in v.items():
            for word, factor in spellings.items():
                try:
                    if Fraction(str(factor)) <= 0:
                        raise ValueError
                except (ValueError, ZeroDivisionError):
                    raise ValueError(f"单位 {unit} 的写法 {word} 的换算系数须为正的小数或分数（得到 {factor!r}）") from None
        return v

    # ---- lookups (by normalised key) ----------------------------------------------------
    def answer(self, text: str) -> Optional[bool]:
        """The plain yes/no reading of a word, or None."""
        k = key(text)
        if k in self._yes:
            return True
        if k in self._no:
            return False
        return None

    def is_unknown(self, text: str) -> bool:
        return key(text) in self._unknown

    def conditional_answer(self, text: str, label: str) -> tuple[Optional[bool], bool]:
        """(reading, known word): the reading for this fact, or (None, True) when the word is a
        conditional answer that does not fit this fact's label."""
        k = key(text)
        found = False
        for group in self.conditional:
            for word, value in group.words.items():
                if key(word) == k:
                    found = True
                    if group.applies_to(label):
                        return value, True
        return None, found

    def unit_factor(self, unit: str, written: str) -> Optional[Fraction]:
        """The exact factor from the unit as `written` into the fact's `unit`, or None."""
        table = self.units.get(unit, {})
        k = key(written)
        if k == key(unit):
            return Fraction(1)
        for word, factor in table.items():
            if key(word) == k:
                return Fraction(str(factor))
        return None

    def unit_spellings(self, unit: str) -> list[str]:
        return [unit] + [w for w in self.units.get(unit, {}) if key(w) != key(unit)]

    @cached_property
    def _yes(self) -> set[str]:
        return {key(w) for w in self.yes}

    @cached_property
    def _no(self) -> set[str]:
        return {key(w) for w in self.no}

    @cached_property
    def _unknown(self) -> set[str]:
        return {key(w) for w in self.unknown} | {""}


def words_path(root: Path | str | None = None) -> Path:
    from engine.knowledge import DEFAULT_ROOT
    return Path(root or os.environ.get("HAZARD_KNOWLEDGE") or DEFAULT_ROOT) / WORDS_FILE


# words already read and checked by an earlier process (engine.kbcache), by (path, mtime, size) as
# the file was before its bytes were hashed into the cache key of the entry holding them
_seeded: dict[tuple[Path, int, int], Words] = {}


def seed(path: Path, stat: os.stat_result, words: Words) -> None:
    """Take `words` as what `path` holds while its modification time and size are those of `stat`."""
    _seeded[(path, stat.st_mtime_ns, stat.st_size)] = words


def load(path: Path | None = None) -> Words:
    """The shared input words. Without `path`: this process's words (knowledge root's
    words.yaml, else the built-in one), read once. With `path`: that file, re-read when it
    changes (unless seeded for its current modification time and size). A broken file is a
    KnowledgeError naming it."""
    if path is None:
        return _default()
    stat = path.stat()
    seeded = _seeded.get((path, stat.st_mtime_ns, stat.st_size))
    if seeded is not None:
        return seeded
    return _load_file(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1)
def _default() -> Words:
    from engine.knowledge import DEFAULT_ROOT
    path = words_path()
    return load(path if path.exists() else DEFAULT_ROOT / WORDS_FILE)  # a root without its own words


@lru_cache(maxsize=8)
def _load_file(path: Path, mtime_ns: int, size: int) -> Words:
    from engine.knowledge import read_yaml_text
    try:
        data = read_yaml_text(path.read_text(encoding="utf-8"))
        words = Words.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError(str(path), "；".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    except Exception as exc:  # YAML syntax, unreadable file
        raise KnowledgeError(str(path), f"无法读取：{exc}") from None
    clash = words._yes & words._no
    if clash:
        raise KnowledgeError(str(path), f"同一词既在 yes 又在 no 中：{sorted(clash)}")
    return words

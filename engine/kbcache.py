"""The loaded, validated knowledge base from the disk cache (engine.diskcache), so a short
`hazard` command does not re-read and re-validate every YAML file (1–2 s) on each call.

The entry holds what engine.knowledge.load returned (with every rule's condition parsed), each
sector pickled on its own with its SHA-256: a cached knowledge base unpickles a sector only when
it is first looked up (LazySectors), so `hazard judge --sector chemicals` reads the other sectors'
bytes but does not rebuild their objects. Its key covers the bytes of every file load() reads (the
same bytes as the rule-base version), the knowledge root's path and the source of the modules that
read and validate it: any change to a knowledge file or to that code makes a new entry. An entry
whose sector bytes do not match their digests is rebuilt; a sector that still cannot be unpickled
is taken from a fresh load() of the same version. The entry also holds the shared input words
(engine.words) as read when it was stored, used while words.yaml keeps the modification time and
size it had before the key was computed over its bytes. Errors in the knowledge are never cached: load()
raises KnowledgeError as without the cache.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Callable

from engine import diskcache, knowledge, words
from engine.errors import KnowledgeError
from engine.knowledge import KnowledgeBase, Sector

KIND = "knowledge"
# the layout of an entry: (FORMAT, root, version, [(sector id, pickle, sha256 hex)], the shared input
# words (engine.words.Words) or None when the root has no words file)
FORMAT = "sectors-2"
# the modules whose code decides what load() returns
SOURCES = ("knowledge.py", "model.py", "logic.py", "words.py", "facts.py", "normalize.py", "numbers.py",
           "errors.py", "kbcache.py")


def key(root: Path) -> str:
    """The cache key of the knowledge under `root` (64 hex digits). OSError if a file vanished."""
    here = Path(__file__).resolve().parent
    digest = diskcache.code_digest(here / name for name in SOURCES)
    digest.update(f"{root.resolve()}\0".encode() + knowledge.fingerprint(root).encode())
    return digest.hexdigest()


class _Pending:
    """A sector not yet unpickled."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes) -> None:
        self.blob = blob


class LazySectors(MutableMapping):
    """Sector id -> Sector, in the order load() gave them, each unpickled from its cached bytes on
    first access (thread-safe: one object per sector). Membership, length and iteration over the
    ids unpickle nothing. `fallback(id)` gives the sector when its bytes cannot be unpickled.
    Pickles as a plain dict."""

    def __init__(self, blobs: dict[str, bytes], fallback: Callable[[str], Sector]) -> None:
        self._data: dict[str, Sector | _Pending] = {sid: _Pending(blob) for sid, blob in blobs.items()}
        self._fallback = fallback
        self._lock = threading.Lock()

    def _load(self, sector_id: str) -> Sector:
        with self._lock:
            value = self._data[sector_id]
            if isinstance(value, _Pending):
                try:
                    value = pickle.loads(value.blob)
                except Exception:  # bytes matched their digest but not this code: load afresh
                    value = None
                if not isinstance(value, Sector) or value.id != sector_id:
                    value = self._fallback(sector_id)
                self._data[sector_id] = value
            return value

    def __getitem__(self, sector_id: str) -> Sector:
        value = self._data[sector_id]
        return self._load(sector_id) if isinstance(value, _Pending) else value

    def get(self, sector_id, default=None):
        value = self._data.get(sector_id, default)
        return self._load(sector_id) if isinstance(value, _Pending) else value

    def __contains__(self, sector_id: object) -> bool:
        return sector_id in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __setitem__(self, sector_id: str, sector: Sector) -> None:
        with self._lock:
            self._data[sector_id] = sector

    def __delitem__(self, sector_id: str) -> None:
        with self._lock:
            del self._data[sector_id]

    def loaded(self) -> list[str]:
        """The ids of the sectors unpickled so far."""
        return [sid for sid, value in self._data.items() if not isinstance(value, _Pending)]

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def __reduce__(self):
        return dict, (list(self.items()),)


def _storable(kb: KnowledgeBase, root: Path) -> bool:
    """Whether to store `kb`: only if no file changed while it loaded. Before it is stored, every
    condition is parsed, so the entry holds them parsed (not done when nothing is stored)."""
    if kb.version != knowledge.fingerprint(root)[:16]:
        return False
    for sector in kb.sectors.values():
        for doc in sector.documents:
            doc.scope_condition
            for rule in doc.rules:
                rule.condition, rule.defeater
    return True


def _dump(kb: KnowledgeBase) -> tuple:
    parts = []
    for sector_id, sector in kb.sectors.items():
        blob = pickle.dumps(sector, protocol=pickle.HIGHEST_PROTOCOL)
        parts.append((sector_id, blob, hashlib.sha256(blob).hexdigest()))
    words_file = words.words_path(kb.root)
    return (FORMAT, kb.root, kb.version, parts, words.load(words_file) if words_file.exists() else None)


def _intact(entry: object, root: Path) -> bool:
    """An entry of this layout, for `root`, whose every sector's bytes match their digest."""
    if not (isinstance(entry, tuple) and len(entry) == 5 and entry[0] == FORMAT and entry[1] == root
            and isinstance(entry[2], str) and isinstance(entry[3], list)
            and (entry[4] is None or isinstance(entry[4], words.Words))):
        return False
    for part in entry[3]:
        if not (isinstance(part, tuple) and len(part) == 3 and isinstance(part[0], str) and isinstance(part[1], bytes)
                and hashlib.sha256(part[1]).hexdigest() == part[2]):
            return False
    return True


def load(root: Path, loader: Callable[[Path], KnowledgeBase]) -> KnowledgeBase:
    """The knowledge base under `root`: cached when its key matches (its sectors unpickled on first
    access), else `loader(root)` (which validates it and raises KnowledgeError on a broken file),
    then cached if no file changed while it loaded."""
    words_file = words.words_path(root)
    try:  # taken before the key hashes the file: an entry's words are seeded only for this state of it
        words_stat = words_file.stat()
    except OSError:
        words_stat = None

    def restore(entry: tuple) -> KnowledgeBase:
        _, cached_root, version, parts, cached_words = entry
        if cached_words is not None and words_stat is not None:
            words.seed(words_file, words_stat, cached_words)  # after_load below then reads no YAML
        fresh: list[KnowledgeBase] = []

        def fallback(sector_id: str) -> Sector:
            if not fresh:
                fresh.append(loader(root))
            if fresh[0].version != version or sector_id not in fresh[0].sectors:
                raise KnowledgeError(str(root), "知识库在运行中被修改（缓存条目无法读取，重新加载得到另一版本）；请重新运行")
            return fresh[0].sectors[sector_id]

        return KnowledgeBase(cached_root, LazySectors({sid: blob for sid, blob, _ in parts}, fallback), version)

    kb = diskcache.fetch(diskcache.kind_for(KIND, root), lambda: key(root), lambda: loader(root),
                         lambda entry: _intact(entry, root), keep=lambda kb: _storable(kb, root), dump=_dump,
                         restore=restore)
    knowledge.after_load(kb)  # the shared input words, as load() reads them (seeded from the entry)
    return kb

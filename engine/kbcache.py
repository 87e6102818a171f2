"""The loaded, validated knowledge base from the disk cache (engine.diskcache), so a short
`hazard` command does not re-read and re-validate every YAML file (1–2 s) on each call.

The entry holds what engine.knowledge.load returned (with every rule's condition parsed). Its key
covers the bytes of every file load() reads (the same bytes as the rule-base version), the
knowledge root's path and the source of the modules that read and validate it: any change to a
knowledge file or to that code makes a new entry. Errors in the knowledge are never cached: load()
raises KnowledgeError as without the cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from engine import diskcache, knowledge

KIND = "knowledge"
# the modules whose code decides what load() returns
SOURCES = ("knowledge.py", "model.py", "logic.py", "words.py", "facts.py", "normalize.py", "numbers.py",
           "errors.py", "kbcache.py")


def key(root: Path) -> str:
    """The cache key of the knowledge under `root` (64 hex digits). OSError if a file vanished."""
    here = Path(__file__).resolve().parent
    digest = diskcache.code_digest(here / name for name in SOURCES)
    digest.update(f"{root.resolve()}\0".encode() + knowledge.fingerprint(root).encode())
    return digest.hexdigest()


def _storable(kb: knowledge.KnowledgeBase, root: Path) -> bool:
    """Whether to store `kb`: only if no file changed while it loaded. Before it is stored, every
    condition is parsed, so the entry holds them parsed (not done when nothing is stored)."""
    if kb.version != knowledge.fingerprint(root)[:16]:
        return False
    for doc in kb.documents.values():
        doc.scope_condition
        for rule in doc.rules:
            rule.condition, rule.defeater
    return True


def load(root: Path, loader: Callable[[Path], knowledge.KnowledgeBase]) -> knowledge.KnowledgeBase:
    """The knowledge base under `root`: cached when its key matches, else `loader(root)` (which
    validates it and raises KnowledgeError on a broken file), then cached if no file changed
    while it loaded."""
    def accept(value: object) -> bool:
        return isinstance(value, knowledge.KnowledgeBase) and value.root == root

    kb = diskcache.fetch(diskcache.kind_for(KIND, root), lambda: key(root), lambda: loader(root), accept,
                         keep=lambda kb: _storable(kb, root))
    knowledge.after_load(kb)  # the shared input words, as load() reads them
    return kb

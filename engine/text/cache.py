"""The text reader's compiled patterns kept on disk, so a process starts without compiling them.

One file per sector under the cache directory ($HAZARD_CACHE_DIR, else $XDG_CACHE_HOME/hazard-judge,
else ~/.cache/hazard-judge; created private), named by a key of the knowledge version (a hash of every
knowledge file), the jieba user dictionary, the text reader's own code and the versions of Python,
jieba and spaCy: any change of these gives another key, so a stale file is never read. `HAZARD_CACHE=off`
turns it off. A cache that cannot be read or written is ignored (the patterns are compiled instead);
nothing here is ever an error for the user. Pickle runs code when it loads: the directory is trusted
as the user's own files are.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FORMAT = 1
STALE = 7 * 24 * 3600  # seconds a file of another key is kept unused
# the code the compiled patterns depend on (engine/text/…, and the value matching they use from engine/)
_CODE = ("patterns.py", "lexicon.py", "components.py", "assemble.py", "reader.py", "cache.py",
         "../facts.py", "../normalize.py", "../model.py")


def _off() -> bool:
    return os.environ.get("HAZARD_CACHE", "").lower() in ("off", "0", "no", "false")


def directory() -> Path:
    if os.environ.get("HAZARD_CACHE_DIR"):
        return Path(os.environ["HAZARD_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hazard-judge"


def key(kb_version: str, dictionary: str) -> str:
    import jieba
    import spacy

    h = hashlib.sha256(f"{FORMAT}\0{kb_version}\0{sys.version}\0{jieba.__version__}\0{spacy.__version__}\0".encode())
    h.update(dictionary.encode())
    here = Path(__file__).resolve().parent
    for name in _CODE:
        h.update(name.encode() + b"\0" + (here / name).read_bytes())
    return h.hexdigest()[:20]


def _path(cache_key: str, sector: str) -> Path:
    return directory() / f"text-{cache_key}-{sector}.pickle"


def load(cache_key: str, sector: str) -> Any | None:
    """What `store` kept for this key and sector, or None."""
    if _off():
        return None
    try:
        with open(_path(cache_key, sector), "rb") as f:
            data = pickle.load(f)
        os.utime(_path(cache_key, sector))  # in use: not stale
        return data
    except Exception:  # missing, unreadable or from another version of Python: compile instead
        return None


def store(cache_key: str, sector: str, data: Any) -> None:
    """Keep `data` for this key and sector (written to a temporary file, then renamed into place)."""
    if _off():
        return
    path = _path(cache_key, sector)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".text-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in path.parent.glob("text-*.pickle"):  # other keys' files unused for a week: gone
            if old.stat().st_mtime < time.time() - STALE:
                old.unlink(missing_ok=True)
    except OSError:
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except (OSError, UnboundLocalError):
            pass

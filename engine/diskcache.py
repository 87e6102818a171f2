"""Pickled results of slow, deterministic start-up work (loading and validating the knowledge base,
building and validating the routing graph), kept on disk so a short `hazard` command does not
redo it on every call.

Each entry is named by its kind and a key that the caller computes over everything the result
depends on (file bytes, code, versions); a changed input gives a new key, so a stale entry is
never read, and writing an entry removes the older entries of the same kind.

Where: $HAZARD_CACHE_DIR, else $XDG_CACHE_HOME/hazard-judge, else ~/.cache/hazard-judge (created
0700; entries are written under a temporary name and renamed, so a reader never sees half a file).
`HAZARD_CACHE=off` disables it. An unreadable, corrupt or unacceptable entry is ignored and
rebuilt; a directory that cannot be written only costs the speed-up. Failures of the work itself
(e.g. KnowledgeError) are never cached. Pickle runs code when it loads, so the cache is trusted
as the user's own files are: keep the directory private (it is created so).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")


_bypassed = 0  # > 0 inside bypass(): nothing is read from or written to the cache


@contextlib.contextmanager
def bypass() -> Iterator[None]:
    """Within the block, every value is built afresh and not stored (`hazard check` validates
    the files themselves, not a cached result)."""
    global _bypassed
    _bypassed += 1
    try:
        yield
    finally:
        _bypassed -= 1


def cache_dir() -> Path | None:
    """The cache directory, or None when caching is off."""
    if _bypassed or os.environ.get("HAZARD_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    explicit = os.environ.get("HAZARD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hazard-judge"


def code_digest(files: Iterable[Path]) -> hashlib._Hash:
    """A SHA-256 started over the interpreter and pydantic versions and the given source files:
    the code whose output is cached. Raises OSError if a file cannot be read."""
    import pydantic

    digest = hashlib.sha256(f"{sys.version}\0{pydantic.VERSION}\0".encode())
    for path in files:
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes())
    return digest


def kind_for(name: str, *places: str | Path | None) -> str:
    """An entry kind `name-<8 hex digits>` per set of places (e.g. a knowledge root), so that
    checkouts sharing the cache directory do not remove each other's entries."""
    where = "\0".join(str(Path(p).resolve()) for p in places if p)
    return f"{name}-{hashlib.sha256(where.encode()).hexdigest()[:8]}"


def _read(path: Path) -> object | None:
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except Exception:  # missing, corrupt, truncated, from other code: rebuilt
        return None


def _write(directory: Path, kind: str, path: Path, value: object,
           dump: Callable[[object], object] | None = None) -> None:
    try:
        if dump is not None:
            value = dump(value)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        for old in directory.glob(f"{kind}-*.pickle"):
            if old != path:
                try:
                    old.unlink()
                except OSError:
                    pass
    except (OSError, pickle.PicklingError):
        pass  # a read-only or full disk: the caller goes on without the cache


def fetch(kind: str, key: Callable[[], str], build: Callable[[], T], accept: Callable[[object], bool],
          keep: Callable[[T], bool] = lambda value: True, *, dump: Callable[[T], object] | None = None,
          restore: Callable[[object], T] | None = None) -> T:
    """The cached value of `kind` under `key()` if there is one and `accept(entry)`, else
    `build()` (its exceptions propagate), stored when `keep(value)`. A key that cannot be
    computed (OSError: a file vanished) means no cache. `dump(value)` is what is stored (default:
    the value itself) and `restore(entry)` the value made from an accepted entry (default: the
    entry itself); a value just built is returned as built."""
    directory = cache_dir()
    if directory is None:
        return build()
    try:
        path = directory / f"{kind}-{key()}.pickle"
    except OSError:
        return build()
    entry = _read(path)
    if entry is not None and accept(entry):
        return restore(entry) if restore is not None else entry  # type: ignore[return-value]
    value = build()
    if keep(value):
        _write(directory, kind, path, value, dump)
    return value

"""The disk cache of the validated knowledge base and routing (engine.diskcache, engine.kbcache):
a warm entry is used instead of loading, any change to a knowledge file is seen, a corrupt entry is
rebuilt, a broken knowledge file is reported and never cached, and answers do not change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine import kbcache, knowledge
from engine.errors import KnowledgeError
from engine.judge import judge

CASE = {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨",
        "充装使用万向管道充装系统": "否"}


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("HAZARD_CACHE_DIR", str(folder))
    monkeypatch.delenv("HAZARD_CACHE", raising=False)
    return folder


@pytest.fixture
def root(tmp_path) -> Path:
    """A copy of the chemicals sector (and the shared words) as a knowledge root of its own."""
    out = tmp_path / "knowledge"
    shutil.copytree(knowledge.DEFAULT_ROOT / "chemicals", out / "chemicals")
    shutil.copy(knowledge.DEFAULT_ROOT / "words.yaml", out / "words.yaml")
    return out


def counting(calls: list[Path]):
    def loader(path: Path) -> knowledge.KnowledgeBase:
        calls.append(path)
        return knowledge.load(path)
    return loader


def test_second_load_comes_from_the_cache_and_judges_the_same(cache, root):
    calls: list[Path] = []
    first = kbcache.load(root, counting(calls))
    second = kbcache.load(root, counting(calls))
    assert calls == [root]  # loaded and validated once
    assert len(list(cache.glob("knowledge-*.pickle"))) == 1
    assert second is not first and second.version == first.version
    assert judge("chemicals", CASE, None, kb=second).model_dump() == judge("chemicals", CASE, None, kb=first).model_dump()


def test_a_changed_knowledge_file_is_loaded_again_and_replaces_the_entry(cache, root):
    calls: list[Path] = []
    before = kbcache.load(root, counting(calls))
    path = root / "chemicals" / "CHEM-2017.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment changes the bytes\n", encoding="utf-8")
    after = kbcache.load(root, counting(calls))
    assert len(calls) == 2 and after.version != before.version
    assert len(list(cache.glob("knowledge-*.pickle"))) == 1  # the stale entry is gone


def test_a_corrupt_entry_is_ignored_and_rebuilt(cache, root):
    calls: list[Path] = []
    kbcache.load(root, counting(calls))
    (entry,) = cache.glob("knowledge-*.pickle")
    entry.write_bytes(b"not a pickle")
    kb = kbcache.load(root, counting(calls))
    assert len(calls) == 2 and kb.sectors["chemicals"].documents
    assert entry.read_bytes() != b"not a pickle"


def test_a_broken_knowledge_file_is_reported_and_not_cached(cache, root):
    path = root / "chemicals" / "CHEM-2017.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("fact: special_workers_certified", "fact: no_such_fact"),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError, match="no_such_fact"):
        kbcache.load(root, knowledge.load)
    assert not list(cache.glob("knowledge-*.pickle")) if cache.exists() else True


def test_cache_off_writes_nothing(cache, root, monkeypatch):
    monkeypatch.setenv("HAZARD_CACHE", "off")
    calls: list[Path] = []
    kbcache.load(root, counting(calls))
    kbcache.load(root, counting(calls))
    assert len(calls) == 2 and not cache.exists()


def test_an_unwritable_cache_directory_only_costs_speed(tmp_path, root, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("HAZARD_CACHE_DIR", str(blocker / "cache"))  # below a file: cannot be created
    kb = kbcache.load(root, knowledge.load)
    assert "chemicals" in kb.sectors


def test_a_cached_router_routes_the_same_and_builds_its_graph_when_asked(cache):
    from engine.routing import lookup

    lookup._data.cache_clear()
    lookup._router.cache_clear()
    built = lookup.router()  # built, validated, written
    lookup._data.cache_clear()
    lookup._router.cache_clear()
    cached = lookup.router()  # read back, without its graph
    assert cached is not built and cached._graph is None
    assert cached.graph.number_of_nodes() == built.graph.number_of_nodes()
    kb = knowledge.default()
    j = judge("chemicals", CASE, None, kb=kb)
    assert lookup._route(cached, kb, "chemicals", j.verdict, j.facts, lookup._findings(j, kb), {}) == \
        lookup._route(built, kb, "chemicals", j.verdict, j.facts, lookup._findings(j, kb), {})
    lookup._data.cache_clear()
    lookup._router.cache_clear()


# ---- one sector at a time ------------------------------------------------------------------------

@pytest.fixture
def two_sectors(root) -> Path:
    """The chemicals copy plus the fire sector: two sectors in one knowledge root."""
    shutil.copytree(knowledge.DEFAULT_ROOT / "fire", root / "fire")
    return root


def test_a_cached_knowledge_base_unpickles_only_the_sectors_looked_up(cache, two_sectors):
    from engine.routing import lookup

    fresh = kbcache.load(two_sectors, knowledge.load)  # built and stored
    cached = kbcache.load(two_sectors, knowledge.load)
    assert isinstance(cached.sectors, kbcache.LazySectors) and not isinstance(fresh.sectors, kbcache.LazySectors)
    assert list(cached.sectors) == list(fresh.sectors) == ["chemicals", "fire"] and "fire" in cached.sectors
    assert cached.sectors.loaded() == []
    case = {"特种作业人员持证上岗": "否"}  # 信息不足: routing looks up the open rules
    j = judge("chemicals", case, None, kb=cached)
    assert j.verdict == "insufficient" and j.open_rules
    assert lookup._findings(j, cached) == lookup._findings(judge("chemicals", case, None, kb=fresh), fresh)
    assert cached.sectors.loaded() == ["chemicals"]
    assert j.model_dump() == judge("chemicals", case, None, kb=fresh).model_dump()
    assert cached.rules.keys() == fresh.rules.keys()  # the whole index loads the rest
    assert cached.sectors.loaded() == ["chemicals", "fire"]


def test_a_sector_whose_bytes_do_not_match_their_digest_makes_the_entry_rebuilt(cache, two_sectors):
    import pickle

    calls: list[Path] = []
    kbcache.load(two_sectors, counting(calls))
    (entry,) = cache.glob("knowledge-*.pickle")
    fmt, where, version, parts, shared = pickle.loads(entry.read_bytes())
    sid, blob, digest = parts[1]
    parts[1] = (sid, blob.replace("灭火".encode(), "点火".encode(), 1), digest)  # still unpickles, but wrong
    entry.write_bytes(pickle.dumps((fmt, where, version, parts, shared)))
    kb = kbcache.load(two_sectors, counting(calls))
    assert len(calls) == 2 and not isinstance(kb.sectors, kbcache.LazySectors)  # loaded afresh, entry rewritten
    kb = kbcache.load(two_sectors, counting(calls))
    assert len(calls) == 2 and kb.sectors["fire"] == knowledge.load(two_sectors).sectors["fire"]


def test_a_sector_that_cannot_be_unpickled_is_taken_from_a_fresh_load(cache, two_sectors):
    import hashlib
    import pickle

    calls: list[Path] = []
    kbcache.load(two_sectors, counting(calls))
    (entry,) = cache.glob("knowledge-*.pickle")
    fmt, where, version, parts, shared = pickle.loads(entry.read_bytes())
    junk = b"digest matches, pickle does not"
    parts[1] = (parts[1][0], junk, hashlib.sha256(junk).hexdigest())
    entry.write_bytes(pickle.dumps((fmt, where, version, parts, shared)))
    kb = kbcache.load(two_sectors, counting(calls))
    assert len(calls) == 1 and kb.sectors["chemicals"].documents  # the intact sector from the cache
    assert kb.sectors["fire"] == knowledge.load(two_sectors).sectors["fire"]
    assert len(calls) == 2  # the broken one from the loader


def test_lazy_sectors_pickle_as_a_plain_dict(cache, root):
    import pickle

    kbcache.load(root, knowledge.load)
    kb = kbcache.load(root, knowledge.load)
    copy = pickle.loads(pickle.dumps(kb))
    assert type(copy.sectors) is dict and copy.sectors == dict(kb.sectors.items())


def test_a_cached_start_reads_no_yaml_and_takes_the_words_from_the_entry(cache, root):
    import os
    import subprocess
    import sys

    kbcache.load(root, knowledge.load)  # stores the entry
    script = ("import sys; from pathlib import Path; from engine import kbcache, knowledge, words; "
              "kb = kbcache.load(Path(sys.argv[1]), knowledge.load); "
              "w = words.load(words.words_path(kb.root)); "
              "print('yaml' in sys.modules, type(kb.sectors).__name__, w.answer('是'), w.answer('否'))")
    env = {**os.environ, "HAZARD_CACHE_DIR": str(cache)}
    out = subprocess.run([sys.executable, "-c", script, str(root)], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "LazySectors", "True", "False"]


def test_words_changed_after_the_entry_was_stored_are_read_again(cache, root):
    from engine import words

    kbcache.load(root, knowledge.load)
    kbcache.load(root, knowledge.load)  # from the entry: its words seeded for the file as it is now
    path = words.words_path(root)
    assert not words.load(path).is_unknown("说不清楚")
    text = path.read_text(encoding="utf-8")
    assert "unknown: [未知," in text
    path.write_text(text.replace("unknown: [未知,", "unknown: [说不清楚, 未知,", 1), encoding="utf-8")
    assert words.load(path).is_unknown("说不清楚")  # the seed was for the file as it was
    kb = kbcache.load(root, knowledge.load)  # a new key: loaded afresh
    assert words.load(words.words_path(kb.root)).is_unknown("说不清楚")
    kb = kbcache.load(root, knowledge.load)  # from the new entry
    assert isinstance(kb.sectors, kbcache.LazySectors)
    assert words.load(words.words_path(kb.root)).is_unknown("说不清楚")

"""Load the knowledge base from YAML and check it as a whole before anything runs.

A broken file stops start-up with a KnowledgeError naming the file, the rule and the problem:
unknown facts, values of the wrong type, duplicate ids, clause texts a rule misquotes,
encoded clauses without rules, overlapping editions, derivation cycles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine import logic
from engine.errors import KnowledgeError
from engine.model import Document, Fact, Rule, Vocabulary, VocabularyPart

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "knowledge"
VOCABULARY_FILE = "vocabulary.yaml"
VOCABULARY_PART = "vocabulary-*.yaml"  # more facts of the same sector, e.g. for one edition


@dataclass
class Sector:
    id: str
    label: str
    facts: dict[str, Fact]
    documents: list[Document]
    files: dict[str, str] = field(default_factory=dict)  # document id -> file path
    verdict_terms: dict[str, str] = field(default_factory=dict)  # the sector's own verdict words

    # indexes built from the facts on first use (fact_by_name, engine.facts.edition_links), each
    # with the number of facts it was built from: rebuilt if the vocabulary changes size
    memo: dict[str, tuple[int, Any]] = field(default_factory=dict, repr=False, compare=False)

    def fact_by_name(self, name: str) -> Fact | None:
        """Find a fact by id or by its Chinese label; failing both, by the label or id as typed
        (ASCII brackets, full-width letters, spaces: engine.normalize.key), the first fact in
        vocabulary order. Dictionary look-ups (indexes built on first use, rebuilt if the number
        of facts changes), not scans of the vocabulary."""
        if name in self.facts:
            return self.facts[name]
        hit = self.memo.get("names")
        if hit is None or hit[0] != len(self.facts):
            from engine.normalize import key
            labels = {f.label: f for f in reversed(self.facts.values())}  # the first of equal labels wins
            typed: dict[str, Fact] = {}
            for f in self.facts.values():
                typed.setdefault(key(f.label), f)
                typed.setdefault(key(f.id), f)
            hit = self.memo["names"] = (len(self.facts), (labels, typed))
        labels, typed = hit[1]
        found = labels.get(name)
        if found is None:
            from engine.normalize import key
            found = typed.get(key(name))
        return found

    def rule(self, rule_id: str) -> tuple[Document, Rule] | None:
        """(document, rule) of this sector's rule `rule_id`, else None: a dictionary built on first
        use (rebuilt if the number of documents changes), so a look-up does not need the whole
        knowledge base's index (KnowledgeBase.rules, which loads every sector)."""
        hit = self.memo.get("rules")
        if hit is None or hit[0] != len(self.documents):
            hit = self.memo["rules"] = (len(self.documents), {r.id: (d, r) for d in self.documents for r in d.rules})
        return hit[1].get(rule_id)


@dataclass
class KnowledgeBase:
    root: Path
    sectors: dict[str, Sector]
    version: str

    _index: tuple[tuple[int, ...], dict[str, Document], dict[str, tuple[Document, Rule]]] | None = field(
        default=None, repr=False, compare=False)

    def _indexes(self) -> tuple[dict[str, Document], dict[str, tuple[Document, Rule]]]:
        """document id -> Document and rule id -> (Document, Rule), built once (rebuilt if a
        sector's list of documents changes length). Callers must not mutate the dicts."""
        shape = tuple(len(s.documents) for s in self.sectors.values())
        if self._index is None or self._index[0] != shape:
            documents = {d.id: d for s in self.sectors.values() for d in s.documents}
            rules = {r.id: (d, r) for d in documents.values() for r in d.rules}
            self._index = (shape, documents, rules)
        return self._index[1], self._index[2]

    @property
    def documents(self) -> dict[str, Document]:
        return self._indexes()[0]

    @property
    def rules(self) -> dict[str, tuple[Document, Rule]]:
        return self._indexes()[1]


@lru_cache(maxsize=1)
def _yaml_loader() -> type:
    """The YAML loader of the knowledge files, made on first use: PyYAML is imported only when a
    file is actually read (a start from the disk cache reads none)."""
    import yaml

    class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # the C parser when libyaml is there
        """YAML 1.1 reads `no`, `yes`, `on`, `off` as booleans; experts write `no:` for a clause
        number, so only true/false are booleans here. A key written twice in one mapping (e.g. two
        `when:` in a rule, of which YAML silently keeps the last) is an error naming the key and line."""

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, int] = {}
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node, deep=True)
                    try:
                        first = seen.get(key)
                    except TypeError:
                        continue  # an unhashable key: the base constructor reports it
                    if first is not None:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"键“{key}”在同一映射中出现两次（第 {first} 行与第 {key_node.start_mark.line + 1} 行）；"
                                        "YAML 只会保留后一个，请删去多余的一个", key_node.start_mark)
                    seen[key] = key_node.start_mark.line + 1
            return super().construct_mapping(node, deep=deep)

    _Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    for first in "tTfF":
        _Loader.add_implicit_resolver(
            "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list(first))
    return _Loader


def read_yaml_text(text: str) -> Any:
    import yaml

    return yaml.load(text, Loader=_yaml_loader())


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        return read_yaml_text(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(str(path), f"YAML 语法错误：{exc}") from None
    except ValueError as exc:  # e.g. an impossible date such as 2017-13-45
        raise KnowledgeError(str(path), f"无法读取的取值（如日期 effective/expires）：{exc}") from None


def _pydantic_problem(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"])
        parts.append(f"{loc}: {err['msg']}")
    return "；".join(parts)


def _rule_of_loc(data: dict, exc: ValidationError) -> str | None:
    for err in exc.errors():
        loc = err["loc"]
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            try:
                return str(data["rules"][loc[1]].get("id"))
            except (KeyError, IndexError, AttributeError, TypeError):
                return None
    return None


def _check_leaf(leaf: logic.Leaf, facts: dict[str, Fact], file: str, rule: str) -> None:
    fact = facts.get(leaf.fact)
    if fact is None:
        raise KnowledgeError(file, f"引用了词汇表中不存在的事实 “{leaf.fact}”", rule)
    values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
    if fact.type == "number":
        if leaf.op not in logic.NUMERIC_OPS | {"is"}:
            raise KnowledgeError(file, f"数值事实 {leaf.fact} 不能用运算符 {leaf.op}", rule)
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
            raise KnowledgeError(file, f"数值事实 {leaf.fact} 的比较值必须是数字，得到 {leaf.value!r}", rule)
        return
    if leaf.op in logic.NUMERIC_OPS:
        raise KnowledgeError(file, f"{fact.type} 类型事实 {leaf.fact} 不能用数值运算符 {leaf.op}", rule)
    if fact.type == "bool":
        if leaf.op != "is" or not isinstance(leaf.value, bool):
            raise KnowledgeError(file, f"是非事实 {leaf.fact} 只能写 is: true/false，得到 {leaf.op}: {leaf.value!r}", rule)
        return
    bad = [v for v in values if v not in (fact.values or [])]
    if bad:
        raise KnowledgeError(file, f"事实 {leaf.fact} 没有取值 {bad}（可选：{fact.values}）", rule)


def _check_sector(sector: Sector) -> None:
    facts = sector.facts
    derivers: dict[str, str] = {}
    for doc in sector.documents:
        file = sector.files[doc.id]
        clause_nos = [c.no for c in doc.clauses]
        dup = {n for n in clause_nos if clause_nos.count(n) > 1}
        if dup:
            raise KnowledgeError(file, f"条款编号重复：{sorted(dup)}")
        if doc.status == "not_encoded" and doc.rules:
            raise KnowledgeError(file, "未编码的文件不应有规则（status: not_encoded）")
        if doc.scope is not None:
            try:
                for leaf in logic.leaves(doc.scope_condition):
                    _check_leaf(leaf, facts, file, f"{doc.id} scope")
            except ValueError as exc:
                raise KnowledgeError(file, str(exc)) from None
        encoded_with_rules = set()
        for rule in doc.rules:
            clause = doc.clause(rule.clause)
            if clause is None:
                raise KnowledgeError(file, f"规则引用的条款 “{rule.clause}” 不在本文件的条款中", rule.id)
            if clause.status != "encoded":
                raise KnowledgeError(file, f"条款 {rule.clause} 标为 {clause.status}，却有规则编码它", rule.id)
            if rule.situation and rule.situation not in (clause.text or ""):
                raise KnowledgeError(
                    file, f"情形 “{rule.situation}” 与条款 {rule.clause} 的条文不一致（须逐字摘自条文）", rule.id)
            try:
                nodes = [rule.condition] + ([rule.defeater] if rule.unless is not None else [])
            except ValueError as exc:
                raise KnowledgeError(file, str(exc), rule.id) from None
            for node in nodes:
                for leaf in logic.leaves(node):
                    _check_leaf(leaf, facts, file, rule.id)
            if rule.then.kind == "derive":
                target = facts.get(rule.then.fact or "")
                if target is None or target.type != "bool" or not target.derived:
                    raise KnowledgeError(
                        file, f"derive 的事实 “{rule.then.fact}” 须在词汇表中且为 bool、derived: true", rule.id)
                key = f"{doc.id}:{target.id}"
                if key in derivers:
                    raise KnowledgeError(file, f"事实 {target.id} 已由规则 {derivers[key]} 推出；每份文件每个推导事实只能有一条规则", rule.id)
                derivers[key] = rule.id
                # a conclusion drawn only from context facts is itself context (e.g. 人员密集场所 from
                # the premises use): it must say so, or it would make every rule it feeds "relevant"
                tested = {leaf.fact for node in nodes for leaf in logic.leaves(node)}
                if tested and all(facts[f].scope for f in tested) and not target.scope:
                    raise KnowledgeError(
                        file, f"事实 {target.id} 仅由情形背景事实（scope: true）推出，须同样标为 scope: true", rule.id)
            encoded_with_rules.add(rule.clause)
        for clause in doc.clauses:
            if clause.status == "encoded" and clause.no not in encoded_with_rules:
                raise KnowledgeError(file, f"条款 {clause.no} 标为已编码，但没有任何规则编码它")
        _check_cycles(doc, file)
    _check_editions(sector)


def _check_cycles(doc: Document, file: str) -> None:
    """A derived fact must not depend on itself: forward chaining would never settle."""
    deps: dict[str, set[str]] = {}
    rules: dict[str, str] = {}
    for rule in doc.rules:
        if rule.then.kind == "derive":
            used = {l.fact for l in logic.leaves(rule.condition)}
            if rule.unless is not None:  # a cycle through `unless` never settles either
                used |= {l.fact for l in logic.leaves(rule.defeater)}
            deps[rule.then.fact] = used
            rules[rule.then.fact] = rule.id
    state: dict[str, int] = {}

    def visit(fact: str, path: list[str]) -> None:
        if state.get(fact) == 2 or fact not in deps:
            return
        if state.get(fact) == 1:
            cycle = path[path.index(fact):] + [fact] if fact in path else path + [fact]
            raise KnowledgeError(file, f"推导循环（含 unless 排除条件）：{' → '.join(cycle)}",
                                 "、".join(dict.fromkeys(rules[f] for f in cycle if f in rules)))
        state[fact] = 1
        for dep in deps[fact]:
            visit(dep, path + [fact])
        state[fact] = 2

    for fact in deps:
        visit(fact, [])


_YEAR_SUFFIX = re.compile(r"-\d{4}$")


def _same_document(a: Document, b: Document) -> bool:
    """Two editions of one document: the same title, or ids differing only in the year (GB35181-2017/-2025)."""
    stem_a, stem_b = _YEAR_SUFFIX.sub("", a.id), _YEAR_SUFFIX.sub("", b.id)
    return a.title.strip() == b.title.strip() or (stem_a != a.id and stem_a == stem_b)


def _overlap(a: Document, b: Document) -> bool:
    far = dt.date.max
    return a.effective <= (b.expires or far) and b.effective <= (a.expires or far)


def _check_editions(sector: Sector) -> None:
    docs = {d.id: d for d in sector.documents}
    for i, a in enumerate(sector.documents):
        for b in sector.documents[i + 1:]:
            if _same_document(a, b) and _overlap(a, b) and b.replaces != a.id and a.replaces != b.id:
                raise KnowledgeError(sector.files[b.id], f"{b.id} 与 {a.id} 是同一文件的两个版本，施行期重叠却没有 replaces "
                                                         "关系：两版会同时适用；请写 replaces 并给旧版写失效日 expires")
    for doc in sector.documents:
        file = sector.files[doc.id]
        if doc.expires is not None and doc.expires < doc.effective:
            raise KnowledgeError(file, f"失效日 {doc.expires} 早于生效日 {doc.effective}")
        if doc.replaces:
            old = docs.get(doc.replaces)
            if old is None:
                raise KnowledgeError(file, f"replaces 指向未知文件 {doc.replaces}")
            if old.expires is None or old.expires >= doc.effective:
                until = f"至 {old.expires}" if old.expires else "未写失效日 expires"
                raise KnowledgeError(
                    file, f"{doc.id}（{doc.effective} 起）与被替代版本 {old.id}（{until}）的施行期重叠")


def load(root: Path | str | None = None) -> KnowledgeBase:
    root = Path(root or os.environ.get("HAZARD_KNOWLEDGE") or DEFAULT_ROOT)
    if not root.is_dir():
        raise KnowledgeError(str(root), "知识库目录不存在")
    digest = hashlib.sha256()
    sectors: dict[str, Sector] = {}
    rule_ids: dict[str, str] = {}
    doc_ids: dict[str, str] = {}
    for sector_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        vocab_path = sector_dir / VOCABULARY_FILE
        if not vocab_path.exists():
            continue  # a home for a sector not yet encoded, or non-sector data (e.g. routing)
        data = _read_yaml(vocab_path)
        try:
            vocab = Vocabulary.model_validate(data)
        except ValidationError as exc:
            raise KnowledgeError(str(vocab_path), _pydantic_problem(exc)) from None
        facts: dict[str, Fact] = {}
        labels: dict[str, str] = {}
        vocab_files = [(vocab_path, vocab.facts)]
        for part in sorted(sector_dir.glob(VOCABULARY_PART)):
            part_data = _read_yaml(part) or {}
            try:
                part_vocab = VocabularyPart.model_validate(part_data)
            except ValidationError as exc:
                raise KnowledgeError(str(part), _pydantic_problem(exc)) from None
            vocab_files.append((part, part_vocab.facts))
        for path, items in vocab_files:
            for fact in items:
                if fact.id in facts:
                    raise KnowledgeError(str(path), f"事实 id 重复：{fact.id}")
                if fact.label in labels:
                    raise KnowledgeError(str(path), f"事实中文名“{fact.label}”重复（另见 {labels[fact.label]}）")
                facts[fact.id] = fact
                labels[fact.label] = fact.id
        sector = Sector(vocab.sector, vocab.label, facts, [], verdict_terms=dict(vocab.verdict_terms))
        for path in sorted(sector_dir.glob("*.yaml")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
            if path.name.startswith("vocabulary"):
                continue
            data = _read_yaml(path)
            try:
                doc = Document.model_validate(data)
            except ValidationError as exc:
                raise KnowledgeError(str(path), _pydantic_problem(exc), _rule_of_loc(data or {}, exc)) from None
            if doc.sector != sector.id:
                raise KnowledgeError(str(path), f"sector 写作 {doc.sector}，但文件位于 {sector.id} 目录")
            if doc.id in doc_ids:
                raise KnowledgeError(str(path), f"文件 id {doc.id} 与 {doc_ids[doc.id]} 重复")
            doc_ids[doc.id] = str(path)
            for rule in doc.rules:
                if rule.id in rule_ids:
                    raise KnowledgeError(str(path), f"规则 id 重复（另见 {rule_ids[rule.id]}）", rule.id)
                rule_ids[rule.id] = str(path)
            sector.documents.append(doc)
            sector.files[doc.id] = str(path)
        _check_sector(sector)
        from engine.facts import check_links  # edition links (same_as / replaced_by) of the vocabulary
        problems = check_links(sector)
        if problems:
            raise KnowledgeError(str(vocab_path), "；".join(problems))
        sectors[sector.id] = sector
    from engine import words  # the shared input words (yes/no, units) judge too: checked and hashed
    words_file = words.words_path(root)
    if words_file.exists():
        digest.update(words.WORDS_FILE.encode() + b"\0" + words_file.read_bytes())
    kb = KnowledgeBase(root, sectors, digest.hexdigest()[:16])
    after_load(kb)
    return kb


def after_load(kb: KnowledgeBase) -> None:
    """What loading also does beyond the KnowledgeBase (again when it comes from engine.kbcache):
    read and check the shared input words of its root (KnowledgeError if broken)."""
    from engine import words

    words_file = words.words_path(kb.root)
    if words_file.exists():
        words.load(words_file)


def fingerprint(root: Path) -> str:
    """The SHA-256 (hex) over the files load() reads under `root`, the same bytes in the same order
    as it hashes them: its first 16 digits are the rule-base version of a successful load."""
    from engine import words

    digest = hashlib.sha256()
    for sector_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if not (sector_dir / VOCABULARY_FILE).exists():
            continue
        for path in sorted(sector_dir.glob("*.yaml")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    words_file = words.words_path(root)
    if words_file.exists():
        digest.update(words.WORDS_FILE.encode() + b"\0" + words_file.read_bytes())
    return digest.hexdigest()


def _root() -> Path:
    return Path(os.environ.get("HAZARD_KNOWLEDGE") or DEFAULT_ROOT)


@lru_cache(maxsize=1)
def default() -> KnowledgeBase:
    """The knowledge base of this process, loaded once: from the disk cache of the validated
    knowledge (engine.kbcache) when no knowledge file has changed, else loaded and checked."""
    from engine import kbcache

    root = _root()
    if not root.is_dir():
        return load(root)  # raises the KnowledgeError naming the missing directory
    return kbcache.load(root, load)


def documents_in_force(sector: Sector, day: dt.date) -> list[Document]:
    return [d for d in sector.documents if d.in_force(day)]

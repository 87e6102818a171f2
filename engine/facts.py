"""Turn what a user typed (labels or ids, Chinese yes/no, aliases, numbers with units) into typed
facts, and carry facts across editions.

Anything that cannot be read becomes a HazardError naming the field; nothing is guessed. What is
accepted is data: the vocabulary's labels, values and `aliases:` per value, and the shared input
words of knowledge/words.yaml (yes/no/unknown words, unit spellings). Text is compared after
engine.normalize.key (full-width forms, brackets, quotes, spaces).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from engine import words as input_words
from engine.errors import HazardError
from engine.knowledge import Sector
from engine.model import Document, Fact
from engine.normalize import key
from engine.numbers import format_number, parse_number

DECIMALS = 6  # resolution of a number inside the rule network (see engine.compiler.to_network)


def format_value(fact: Fact, value: Any) -> str:
    """A typed value as shown to users: 是/否, the enum value, or the number with its unit."""
    if fact.type == "bool":
        return "是" if value else "否"
    if fact.type == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value, fact.unit)
    return str(value)


def _listed(values: Iterable[str]) -> str:
    """Values quoted one by one, so a value containing “、” stays one value."""
    return "；".join(f"“{v}”" for v in values)


def enum_candidates(fact: Fact, raw: str) -> list[str]:
    """The values `raw` can mean: the value itself, else every value whose alias (or whose
    “、”-separated part, as in “商店、商场、集贸市场”) it is. More than one means ambiguous."""
    k = key(raw)
    values = fact.values or []
    exact = [v for v in values if key(v) == k]
    if exact:
        return exact
    found = [v for v in values
             if k in {key(a) for a in fact.aliases.get(v, [])} or k in {key(p) for p in re.split(r"[、，,]", v)}]
    return found


def _coerce_bool(fact: Fact, raw: Any, field: str, vocab: input_words.Words) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    text = str(raw)
    k = key(text)
    for value, aliases in fact.aliases.items():
        if k in {key(a) for a in aliases}:
            return value == "true"
    answer = vocab.answer(text)
    if answer is not None:
        return answer
    answer, known = vocab.conditional_answer(text, fact.label)
    if answer is not None:
        return answer
    if known:
        raise HazardError(
            "ambiguous_value", f"“{text}”对“{fact.label}”含义不明（可能理解为是，也可能理解为否），请填 是/否", field)
    raise HazardError("bad_value", f"“{fact.label}”是是非题，请填 是/否（收到：{text[:40]!r}）", field)


def coerce(fact: Fact, raw: Any, field: str) -> Any:
    """One value for one fact, typed; None means "unknown" (the same as not giving it).

    bool -> True/False; enum -> one of `fact.values`; number -> float in `fact.unit` (exact, see
    engine.numbers). Errors (HazardError, field = `field`): bad_value, ambiguous_value (an alias
    of several values: the candidates are listed), unit_required, too_precise, out_of_range.
    """
    vocab = input_words.load()
    cacheable = isinstance(raw, (str, bool, int, float))
    if cacheable:
        hit = _COERCED.get((id(fact), type(raw), raw))
        if hit is not None and hit[0] is fact and hit[1] is vocab:
            return hit[2]
    out = _coerce(fact, raw, field, vocab)
    if cacheable:
        if len(_COERCED) >= _COERCED_MAX:
            _COERCED.clear()
        _COERCED[(id(fact), type(raw), raw)] = (fact, vocab, out)
    return out


# (id(fact), type, value as given) -> (the fact, the input words, its typed value): an inspector's values
# repeat (是, 否, 液氨, 30%) and read the same every time with the same words (errors are not kept:
# each names its own field)
_COERCED: dict[tuple[int, type, Any], tuple[Fact, Any, Any]] = {}
_COERCED_MAX = 8192


def _coerce(fact: Fact, raw: Any, field: str, vocab: input_words.Words) -> Any:
    if raw is None or (isinstance(raw, str) and vocab.is_unknown(raw)):
        return None
    if fact.type == "bool":
        return _coerce_bool(fact, raw, field, vocab)
    if fact.type == "enum":
        text = str(raw)
        found = enum_candidates(fact, text)
        if len(found) == 1:
            return found[0]
        if found:
            raise HazardError(
                "ambiguous_value", f"“{text}”可指“{fact.label}”的多个取值：{_listed(found)}；请填写其中之一", field)
        raise HazardError("bad_value", f"“{fact.label}”的取值须为以下之一：{_listed(fact.values or [])}（收到：{text[:40]!r}）", field)
    return parse_number(fact, raw, field, vocab)


def similar_labels(sector: Sector, name: str, limit: int = 3) -> list[str]:
    """Labels an inspector probably meant: those containing what was typed, then close spellings."""
    import difflib  # only for a fact name that is not known (a judgement that reads well never needs it)

    labels = [f.label for f in sector.facts.values()]
    k = key(name)
    found = [label for label in labels if k and k in key(label)]
    found += [m for m in difflib.get_close_matches(name, labels, n=limit, cutoff=0.5) if m not in found]
    return found[:limit]


def find_fact(sector: Sector, name: str) -> Fact | None:
    """A fact by id or Chinese label, compared by engine.normalize.key (ASCII brackets,
    full-width letters and spaces do not matter)."""
    return sector.fact_by_name(str(name))


def split_assignment(item: str) -> tuple[str, str]:
    """`事实=取值` (or with a full-width ＝) as typed on the command line -> (name, value)."""
    item = item.replace("＝", "=")
    if "=" not in item:
        raise HazardError("bad_fact_syntax", f"--fact 须写成 事实=取值（收到：{item!r}）", "fact")
    name, value = item.split("=", 1)
    return name.strip(), value.strip()


def parse_facts(sector: Sector, raw: dict[str, Any], prefix: str = "facts") -> dict[str, Any]:
    """Read a mapping of fact names (id or Chinese label) to values; unknown values are dropped."""
    if not isinstance(raw, dict):
        raise HazardError("bad_facts", "facts 须为“事实名: 取值”的映射", prefix)
    out: dict[str, Any] = {}
    names: dict[str, str] = {}
    for name, value in raw.items():
        field = f"{prefix}.{name}"
        fact = find_fact(sector, str(name).strip())
        if fact is None:
            hint = "、".join(similar_labels(sector, str(name)))
            hint = f"；是否指：{hint}" if hint else ""
            raise HazardError(
                "unknown_fact",
                f"“{name}”不是{sector.label}行业词汇表中的事实{hint}；可用 `hazard vocabulary {sector.id}` 查看全部事实",
                field)
        typed = coerce(fact, value, field)
        if fact.id in names and out.get(fact.id) != typed:
            raise HazardError(
                "conflicting_facts", f"事实“{fact.label}”给出了两个不同的取值（{names[fact.id]} 与 {name}）", field)
        names[fact.id] = str(name)
        if typed is not None:
            out[fact.id] = typed
    return out


# ---- editions ---------------------------------------------------------------------------------

def facts_used(doc: Document) -> set[str]:
    """Every fact a document tests (rules, defeaters, scope) or derives (both sets computed once
    per document: engine.model.Document)."""
    return set(doc.used_facts)


def edition_links(sector: Sector) -> dict[str, list[tuple[str, str]]]:
    """fact id -> [(linked fact id, "same_as" | "replaced_by" | "replaces")], both directions.
    Built once per sector (again if its number of facts changes); callers must not mutate it."""
    hit = sector.memo.get("edition_links")
    if hit is None or hit[0] != len(sector.facts):
        hit = sector.memo["edition_links"] = (len(sector.facts), _edition_links(sector))
    return hit[1]


def _edition_links(sector: Sector) -> dict[str, list[tuple[str, str]]]:
    links: dict[str, list[tuple[str, str]]] = {}
    for fact in sector.facts.values():
        if fact.same_as:
            links.setdefault(fact.id, []).append((fact.same_as, "same_as"))
            links.setdefault(fact.same_as, []).append((fact.id, "same_as"))
        for newer in fact.replaced_by:
            links.setdefault(fact.id, []).append((newer, "replaced_by"))
            links.setdefault(newer, []).append((fact.id, "replaces"))
        if fact.carries_to:  # one way: carried over like same_as, named (never translated) the other way
            links.setdefault(fact.id, []).append((fact.carries_to, "same_as"))
            links.setdefault(fact.carries_to, []).append((fact.id, "replaces"))
    return links


def check_links(sector: Sector) -> list[str]:
    """Problems with the edition links of a sector's vocabulary (empty when sound): links to
    unknown facts, and same_as between facts that cannot carry the same value."""
    problems = []
    for fact in sector.facts.values():
        for target_id, kind in ([(fact.same_as, "same_as"), (fact.carries_to, "carries_to")]
                                + [(t, "replaced_by") for t in fact.replaced_by]):
            if not target_id:
                continue
            target = sector.facts.get(target_id)
            if target is None or target_id == fact.id:
                problems.append(f"事实 {fact.id} 的 {kind} 指向不存在的事实 {target_id}")
                continue
            if kind in ("same_as", "carries_to") and (target.type != fact.type or target.unit != fact.unit
                                      or set(fact.values or []) - set(target.values or [])):
                problems.append(f"事实 {fact.id} same_as {target_id}：类型、单位或取值不一致，不能直接换用")
        for target_id, value in [*fact.implies.items(), *fact.implies_if_no.items()]:
            target = sector.facts.get(target_id)
            if target is None or target_id == fact.id:
                problems.append(f"事实 {fact.id} 的 implies 指向不存在的事实 {target_id}")
            elif not _valid_value(target, value):
                problems.append(f"事实 {fact.id} 的 implies 给 {target_id} 的取值 {value!r} 不是该事实的有效取值")
    return problems


def _valid_value(fact: Fact, value: Any) -> bool:
    if fact.type == "bool":
        return isinstance(value, bool)
    if fact.type == "enum":
        return value in (fact.values or [])
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def apply_implications(sector: Sector, facts: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Add what a given fact's label states besides itself (`implies` / `implies_if_no`).

    `facts` are typed (fact id -> value). For every bool fact given as true (`implies`) or false
    (`implies_if_no`) whose vocabulary entry names `{fact id: value}`, each implied fact not given is
    set. Where the inspector gave the implied fact another value, the given value stands: what was
    stated about the unit outweighs what a label suggests. Returns (facts, Chinese notes for the
    judgement's warnings: one per implied value, and one per contradiction naming both statements).
    """
    out = dict(facts)
    notes: list[str] = []
    for fid, value in facts.items():
        fact = sector.facts.get(fid)
        if fact is None or not isinstance(value, bool):
            continue
        implied_by = fact.implies if value else fact.implies_if_no
        said = "是" if value else "否"
        for target_id, implied in implied_by.items():
            target = sector.facts[target_id]
            if target_id in facts:
                if facts[target_id] != implied:
                    notes.append(f"“{fact.label}”＝{said} 的说法表明“{target.label}”＝{format_value(target, implied)}，"
                                 f"与所给“{target.label}”＝{format_value(target, facts[target_id])}不一致；"
                                 f"按所给的“{target.label}”判定，请核实")
                continue
            out[target_id] = implied
            notes.append(f"“{fact.label}”＝{said} 即表明“{target.label}”＝{format_value(target, implied)}，已按此判定")
    return out, notes


def translate_editions(sector: Sector, facts: dict[str, Any], docs_in_force: Iterable[Document]
                       ) -> tuple[dict[str, Any], list[str]]:
    """Carry facts given under another edition's label over to the edition(s) in force.

    `facts` are typed (from parse_facts). A given fact no document in force tests, but linked
    `same_as` to a fact one of them tests, is given that fact's value too (unless the inspector
    gave that fact as well). A fact linked only by `replaced_by` (or the reverse) is not the
    same test and is never translated: the note names the fact of the edition in force to
    establish. Returns (facts for judging, Chinese notes for the judgement's warnings). Facts
    with no link are left as they are (the caller warns about facts no document uses).
    """
    docs = list(docs_in_force)
    sets = [d.used_facts for d in docs]  # each computed once per document
    used = sets[0] if len(sets) == 1 else frozenset().union(*sets)
    numbers = "、".join(d.number for d in docs)
    links = edition_links(sector)
    out = dict(facts)
    notes: list[str] = []
    for fid, value in facts.items():
        if fid in used or fid not in links:
            continue
        fact = sector.facts[fid]
        for other_id, kind in links[fid]:
            if other_id not in used:
                continue
            other = sector.facts[other_id]
            if kind == "same_as":
                if other_id in facts:
                    if facts[other_id] != value:
                        notes.append(f"“{fact.label}”与“{other.label}”为同一事项（不同版本的表述），所给取值不一致；"
                                     f"按现行 {numbers} 的“{other.label}”＝{format_value(other, facts[other_id])} 判定")
                    continue
                out[other_id] = value
                notes.append(f"“{fact.label}”是其他版本的表述，现行 {numbers} 中为“{other.label}”："
                             f"已按“{other.label}”＝{format_value(other, value)} 判定")
            else:
                notes.append(f"“{fact.label}”是其他版本的事实，现行 {numbers} 未采用；对应的现行事实为“{other.label}”"
                             f"（判定标准不同，未自动换用），请按其问题补充：{other.question}")
    return out, notes

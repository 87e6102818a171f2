"""Conditions as data: leaves over named facts and threshold gates, with three-valued logic.

Every composite is one construct, a threshold gate ("at least n of these children"):
`all` is n = len(children), `any` is n = 1, `at_least` is any n, `not` inverts one child.
The same tree is compiled into durable_rules (engine.compiler) and evaluated directly here,
which serves as the test oracle and as the benchmark baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Union

# Chinese legal usage: 以上/以下/以内/届满 include the number, 超过/不满/以外 exclude it.
OPERATORS = {
    "is": "等于",
    "in": "属于",
    "not_in": "不属于",
    "ge": "≥（以上，含本数）",
    "gt": ">（超过，不含本数）",
    "le": "≤（以下，含本数）",
    "lt": "<（不满，不含本数）",
}
NUMERIC_OPS = {"ge", "gt", "le", "lt"}


@dataclass(frozen=True)
class Outcome:
    """A number known only as the outcome of a comparison the finding states ("超过30%", "超限",
    "大于设计最大值"), never invented as a number: the interval of values it allows. `text` is how it
    was given. A condition on the number is true or false when the whole interval decides it, and
    open (unknown) otherwise."""

    text: str
    low: float | None = None  # None: unbounded
    low_inclusive: bool = False
    high: float | None = None
    high_inclusive: bool = False

    @classmethod
    def of(cls, text: str, op: str, bound: float) -> "Outcome":
        if op in ("gt", "ge"):
            return cls(text, low=bound, low_inclusive=op == "ge")
        if op in ("lt", "le"):
            return cls(text, high=bound, high_inclusive=op == "le")
        raise ValueError(op)

    def __str__(self) -> str:
        return self.text

    def decides(self, op: str, t: Any) -> bool | None:
        lo, hi = self.low, self.high
        at_least_t = lo is not None and lo >= t  # every allowed value is >= t (values are >= or > lo)
        above_t = lo is not None and (lo > t or (lo == t and not self.low_inclusive))
        at_most_t = hi is not None and hi <= t
        below_t = hi is not None and (hi < t or (hi == t and not self.high_inclusive))
        if op == "ge":
            return True if at_least_t else False if below_t else None
        if op == "gt":
            return True if above_t else False if at_most_t else None
        if op == "le":
            return True if at_most_t else False if above_t else None
        if op == "lt":
            return True if below_t else False if at_least_t else None
        if op == "is":
            return False if (below_t or above_t) else None
        return None


@dataclass(frozen=True)
class Leaf:
    fact: str
    op: str
    value: Any

    @property
    def key(self) -> str:
        """Identical leaves anywhere in a rule base share one key (and one compiled test)."""
        value = sorted(map(str, self.value)) if isinstance(self.value, (list, tuple)) else self.value
        return f"{self.fact}|{self.op}|{value!r}"

    def truth(self, value: Any) -> bool | None:
        """Three-valued test: None when the value is unknown or a comparison outcome that does not decide it."""
        if value is None:
            return None
        if isinstance(value, Outcome):
            return value.decides(self.op, self.value)
        return self.test(value)

    def test(self, value: Any) -> bool:
        op, want = self.op, self.value
        if op == "is":
            return value == want
        if op == "in":
            return value in want
        if op == "not_in":
            return value not in want
        if op == "ge":
            return value >= want
        if op == "gt":
            return value > want
        if op == "le":
            return value <= want
        if op == "lt":
            return value < want
        raise ValueError(op)


@dataclass(frozen=True)
class Gate:
    kind: str  # all | any | at_least | not
    children: tuple["Node", ...]
    threshold: int = field(default=1)

    @property
    def needed_true(self) -> int:
        return 1 if self.kind == "not" else self.threshold

    @property
    def needed_false(self) -> int:
        """How many false children settle the gate as false."""
        return 1 if self.kind == "not" else len(self.children) - self.threshold + 1


Node = Union[Leaf, Gate]


def parse(spec: Any, where: str = "") -> Node:
    """Build a condition tree from its YAML form; raise ValueError naming what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: 条件必须是映射（mapping），得到 {spec!r}")
    if "fact" in spec:
        ops = [k for k in spec if k != "fact"]
        if len(ops) != 1 or ops[0] not in OPERATORS:
            raise ValueError(f"{where}: 事实条件 {spec!r} 须有且只有一个运算符，可选 {sorted(OPERATORS)}")
        op = ops[0]
        value = spec[op]
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise ValueError(f"{where}: 运算符 {op} 需要非空列表")
            value = tuple(value)
        return Leaf(str(spec["fact"]), op, value)
    kinds = [k for k in ("all", "any", "at_least", "not") if k in spec]
    if len(kinds) != 1:
        raise ValueError(f"{where}: 无法识别的条件 {spec!r}（应为 fact/all/any/at_least/not 之一）")
    kind = kinds[0]
    if kind == "not":
        extra = set(spec) - {"not"}
        if extra:
            raise ValueError(f"{where}: not 条件含多余键 {sorted(extra)}")
        return Gate("not", (parse(spec["not"], where),), 1)
    if kind == "at_least":
        extra = set(spec) - {"at_least", "of"}
        items = spec.get("of")
        n = spec["at_least"]
        if extra or not isinstance(items, list) or not isinstance(n, int) or isinstance(n, bool):
            raise ValueError(f"{where}: at_least 条件应为 {{at_least: N, of: [...]}}")
        if not 1 <= n <= len(items):
            raise ValueError(f"{where}: at_least {n} 超出子条件数 {len(items)}")
        return Gate("at_least", tuple(parse(x, where) for x in items), n)
    items = spec[kind]
    extra = set(spec) - {kind}
    if extra or not isinstance(items, list) or not items:
        raise ValueError(f"{where}: {kind} 条件需要非空列表且无多余键")
    children = tuple(parse(x, where) for x in items)
    return Gate(kind, children, len(children) if kind == "all" else 1)


def leaves(node: Node) -> Iterator[Leaf]:
    if isinstance(node, Leaf):
        yield node
    else:
        for child in node.children:
            yield from leaves(child)


def combine(gate: Gate, values: Iterable[bool | None]) -> bool | None:
    """A gate's Kleene truth from its children's truths, read in order and only until decided (a
    threshold gate cannot reach both its true and its false count: needed_true + needed_false is one
    more than its children). Every three-valued evaluation of the engine combines gates here."""
    if gate.kind == "not":
        value = next(iter(values))
        return None if value is None else not value
    need_true, need_false = gate.needed_true, gate.needed_false
    if need_true <= 0:  # a gate that needs nothing (an empty `all`): true
        return True
    if need_false <= 0:
        return False
    for value in values:
        if value is True:
            need_true -= 1
            if not need_true:
                return True
        elif value is False:
            need_false -= 1
            if not need_false:
                return False
    return None


def evaluate(node: Node, facts: dict[str, Any]) -> bool | None:
    """Kleene three-valued evaluation: None means "depends on a fact nobody gave"."""
    if isinstance(node, Leaf):
        return node.truth(facts.get(node.fact))
    return combine(node, (evaluate(child, facts) for child in node.children))

"""The closed loop of a major hazard (方案第18–20项): 登记（判定）→ 移交牵头部门 → 整改中 → 申请销号 →
部门复核 → 销号, or 退回 with a reason. Each action is allowed from given states, to given roles, and
needs given data; anything else is refused. 挂牌督办 and 通知主要负责人 are recorded without changing state.
"""

from __future__ import annotations

from dataclasses import dataclass

REGISTERED, HANDED_OVER, RECTIFYING, APPLIED, CLOSED = "已登记", "已移交", "整改中", "申请销号", "已销号"
STATES = (REGISTERED, HANDED_OVER, RECTIFYING, APPLIED, CLOSED)
OPEN = (REGISTERED, HANDED_OVER, RECTIFYING, APPLIED)
ROLES = ("inspector", "department", "town", "admin")
ROLE_ZH = {"inspector": "检查人员", "department": "监管部门", "town": "镇（街道）/园区", "admin": "管理员（政府）"}


@dataclass(frozen=True)
class Action:
    name: str          # the field's word, shown to users
    sources: tuple[str, ...]
    target: str | None  # None: recorded without a change of state
    roles: tuple[str, ...]
    needs: tuple[str, ...] = ()  # data fields that must be given
    lead_only: bool = False  # a department may act only on hazards it leads


ACTIONS = {a.name: a for a in (
    Action("移交", (REGISTERED,), HANDED_OVER, ("inspector", "admin")),
    Action("整改", (HANDED_OVER,), RECTIFYING, ("department", "admin"),
           ("measures", "funds", "responsible", "deadline"), lead_only=True),
    Action("申请销号", (RECTIFYING,), APPLIED, ("department", "admin"), ("evidence",), lead_only=True),
    Action("销号", (APPLIED,), CLOSED, ("department", "admin"), ("reviewer",), lead_only=True),
    Action("退回", (APPLIED,), RECTIFYING, ("department", "admin"), ("reason",), lead_only=True),
    Action("挂牌督办", OPEN, None, ("admin",), ("level", "authority", "deadline")),
    Action("通知主要负责人", OPEN, None, ("inspector", "department", "admin"), ("notified",)),
)}


def replay(events: list[tuple[str, str | None, str]]) -> str:
    """The state an audit trail leads to: events as (action, from_status, to_status), oldest first.
    Raises ValueError when a step does not follow from the one before (a broken trail)."""
    state = None
    for action, source, target in events:
        if action == "督办升级":  # the daily job's record: no change of state
            if target != state:
                raise ValueError("督办升级不应改变状态")
            continue
        if action == "登记":
            if state is not None:
                raise ValueError("登记出现两次")
            state = target
            continue
        spec = ACTIONS[action]
        if state not in spec.sources or source != state:
            raise ValueError(f"{action} 不能从 {state} 进行")
        state = spec.target or state
        if target != state:
            raise ValueError(f"{action} 记录的结果状态 {target} 与规则不符")
    if state is None:
        raise ValueError("没有登记事件")
    return state

"""The register's operations; the CLI and the API call these and nothing else.

Every operation takes an `Actor` (who acts, with which role, for which department or area) and checks
what that actor may see or do: an admin everything; an inspector registers findings, hands hazards
over and reads all; a department reads and acts on the hazards it leads, and reads those it is a
partner on; a 镇（街道）/园区 reads the hazards of its area. Errors are HazardError with an HTTP status:
403 forbidden, 404 not found, 409 a state conflict (wrong state or a stale version — the message
carries the current state), 422 bad data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import db
from engine.errors import HazardError
from engine.register import lifecycle as lc
from engine.register.migrate import upgrade
from engine.register.models import ApiKey, Event, Finding, Hazard, HazardClause, Snapshot, Unit

CHANNELS = ("企业自查上报", "督导检查发现", "群众举报查实")
# Days past the deadline at which each escalation step of 方案第19项 (函告、通报、约谈、曝光) is taken.
# The plan names the steps but not the days: these are this system's defaults, to be set by the district.
ESCALATION_DAYS = (("函告", 1), ("通报", 15), ("约谈", 30), ("曝光", 60))


@dataclass(frozen=True)
class Actor:
    name: str
    role: str
    department: str | None = None
    area: str | None = None

    def __post_init__(self):
        if self.role not in lc.ROLES:
            raise HazardError("bad_role", f"角色须为 {'、'.join(lc.ROLES)} 之一（收到：{self.role!r}）", "role")
        if self.role == "department" and not self.department:
            raise HazardError("bad_role", "监管部门角色须指明部门", "department")
        if self.role == "town" and not self.area:
            raise HazardError("bad_role", "镇（街道）/园区角色须指明所辖区域", "area")


SYSTEM = Actor("系统（每日督办检查）", "admin")


def _forbidden(what: str) -> HazardError:
    return HazardError("forbidden", f"无权{what}", None, 403)


def refusal(actor: "Actor", action: str, status: str, lead: str | None) -> HazardError | None:
    """Why `actor` may not take `action` on a hazard in `status` led by `lead` (403 for the role or
    department, 409 for the state), or None when it may. The one rule the service enforces and the
    web pages use to offer only the actions a user may take."""
    spec = lc.ACTIONS[action]
    if actor.role not in spec.roles:
        return _forbidden(f"以{lc.ROLE_ZH[actor.role]}身份进行“{action}”")
    if spec.lead_only and actor.role == "department" and lead != actor.department:
        return _forbidden(f"进行“{action}”：该隐患由{lead}牵头")
    if status not in spec.sources:
        return HazardError("conflict", f"当前状态为“{status}”，不能进行“{action}”", "action", 409)
    return None


def _date(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise HazardError("bad_date", f"{field} 须为 YYYY-MM-DD（收到：{value!r}）", field) from None


def _text(value: Any, field: str, limit: int, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise HazardError("missing_field", f"请填写 {field}", field)
        return None
    if not isinstance(value, str):
        raise HazardError("wrong_type", f"{field} 须为文字", field)
    value = value.strip()
    if len(value) > limit:
        raise HazardError("too_long", f"{field} 超过 {limit} 字", field)
    return value


def hazard_dict(h: Hazard, unit: Unit | None = None, *, personal: bool = False) -> dict[str, Any]:
    out = {"id": h.id, "status": h.status, "version": h.version, "sector": h.sector, "area": h.area,
           "clauses": h.clauses, "lead": h.lead, "partners": h.partners, "found_on": h.found_on.isoformat(),
           "deadline": h.deadline.isoformat() if h.deadline else None, "plan": h.plan, "supervision": h.supervision,
           "escalations": h.escalations, "closed_on": h.closed_on.isoformat() if h.closed_on else None,
           "finding_id": h.finding_id, "unit_id": h.unit_id}
    if unit is not None:
        out["unit"] = {"name": unit.name, "credit_code": unit.credit_code, "area": unit.area}
        if personal:
            out["unit"].update(principal=unit.principal, contact=unit.contact)
    return out


class Register:
    """The register on one database (default: engine.db.database_url())."""

    def __init__(self, url: str | None = None):
        self.engine = db.engine(url)
        upgrade(self.engine)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # ---- access ---------------------------------------------------------------------------------
    def _can_read(self, actor: Actor, h: Hazard) -> bool:
        if actor.role in ("admin", "inspector"):
            return True
        if actor.role == "department":
            return h.lead == actor.department or actor.department in (h.partners or [])
        return h.area == actor.area

    def _visible(self, actor: Actor, stmt):
        """`stmt` (over Hazard) narrowed to what `actor` may read, in SQL."""
        if actor.role == "department":
            d = actor.department.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return stmt.where(or_(Hazard.lead == actor.department,
                                  Hazard.partners_key.like(f"%|{d}|%", escape="\\")))
        if actor.role == "town":
            return stmt.where(Hazard.area == actor.area)
        return stmt

    # ---- keys -----------------------------------------------------------------------------------
    def create_key(self, name: str, role: str, department: str | None = None, area: str | None = None) -> str:
        """A new access key (shown once); only its SHA-256 is stored."""
        Actor(name, role, department, area)
        key = "hj_" + secrets.token_urlsafe(24)
        with self.session() as s, s.begin():
            s.add(ApiKey(name=name, role=role, department=department, area=area,
                         key_hash=hashlib.sha256(key.encode()).hexdigest()))
        return key

    def actor_for_key(self, key: str | None) -> Actor:
        if not key:
            raise HazardError("unauthorized", "请在请求头 Authorization: Bearer <访问密钥> 中提供访问密钥", None, 401)
        digest = hashlib.sha256(key.encode()).hexdigest()
        with self.session() as s:
            row = s.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
        if row is None:
            raise HazardError("unauthorized", "访问密钥无效", None, 401)
        return Actor(row.name, row.role, row.department, row.area)

    # ---- findings -------------------------------------------------------------------------------
    def add_unit(self, actor: Actor, data: dict[str, Any]) -> int:
        """Find a unit by its credit code (or name when no code), or create it; returns its id."""
        if actor.role not in ("inspector", "admin", "department"):
            raise _forbidden("登记单位")
        name = _text(data.get("name"), "单位名称", 200, required=True)
        code = _text(data.get("credit_code"), "统一社会信用代码", 18)
        if code is not None and (len(code) != 18 or not code.isalnum()):
            raise HazardError("bad_credit_code", "统一社会信用代码须为 18 位字母或数字", "credit_code")
        with self.session() as s, s.begin():
            q = select(Unit).where(Unit.credit_code == code) if code else select(Unit).where(Unit.name == name)
            unit = s.scalar(q)
            if unit is None:
                unit = Unit(name=name, credit_code=code, address=_text(data.get("address"), "地址", 300),
                            area=_text(data.get("area"), "镇（街道）或园区", 100), sector=data.get("sector"),
                            principal=_text(data.get("principal"), "主要负责人", 50),
                            contact=_text(data.get("contact"), "联系方式", 50))
                s.add(unit)
                s.flush()
            return unit.id

    def add_finding(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        """Register one finding, judge it (engine.judge), keep the judgement snapshot; a major hazard is
        entered with its route. `data`: unit {name, credit_code, area, …}, channel, found_on, sector,
        facts, text, reporter, attachments, row_key (idempotent import), found_by/venue/in_park (route).
        Returns {"finding_id", "verdict", "hazard"} (hazard None unless major; `existing` on a repeat row_key)."""
        from engine.pipeline import judge

        if actor.role not in ("inspector", "admin", "department"):
            raise _forbidden("登记检查发现")
        channel = data.get("channel")
        if channel not in CHANNELS:
            raise HazardError("bad_channel", f"来源渠道须为 {'、'.join(CHANNELS)} 之一（收到：{channel!r}）", "channel")
        found_on = _date(data.get("found_on"), "found_on")
        if found_on > dt.date.today():
            raise HazardError("bad_date", "发现日期不能晚于今天", "found_on")
        row_key = _text(data.get("row_key"), "行键", 200)
        if row_key:
            with self.session() as s:
                old = s.scalar(select(Finding).where(Finding.row_key == row_key))
                if old is not None:
                    hz = s.scalar(select(Hazard).where(Hazard.finding_id == old.id))
                    return {"finding_id": old.id, "verdict": None, "hazard": hz.id if hz else None, "existing": True}
        facts = data.get("facts") or {}
        if not isinstance(facts, dict):
            raise HazardError("bad_facts", "facts 须为“事实名: 取值”的映射", "facts")
        context = {k: data[k] for k in ("found_by", "venue", "in_park", "town") if data.get(k) is not None}
        result = judge(str(data.get("sector") or ""), facts, found_on, context=context)
        unit_data = data.get("unit") or {}
        if not isinstance(unit_data, dict):
            raise HazardError("bad_unit", "unit 须为对象（name、credit_code、area …）", "unit")
        unit_id = self.add_unit(actor, unit_data)
        judgement = json.loads(result.model_dump_json(exclude_none=True))
        try:
            return self._store(actor, data, result, judgement, unit_id, channel, found_on, facts, row_key)
        except IntegrityError:  # the same row_key stored by a concurrent import: that one counts
            if not row_key:
                raise
            return self.add_finding(actor, data)

    def _store(self, actor, data, result, judgement, unit_id, channel, found_on, facts, row_key) -> dict[str, Any]:
        with self.session() as s, s.begin():
            unit = s.get(Unit, unit_id)
            finding = Finding(unit_id=unit_id, channel=channel, found_on=found_on, sector=result.sector,
                              reporter=_text(data.get("reporter"), "发现人", 100), text=_text(data.get("text"), "检查记录", 5000),
                              facts=facts, attachments=list(data.get("attachments") or []), row_key=row_key,
                              created_by=actor.name)
            s.add(finding)
            s.flush()
            snap = Snapshot(finding_id=finding.id, verdict=result.verdict, rulebase_version=result.rulebase_version,
                            editions=[d.id for d in result.documents], judgement=judgement)
            s.add(snap)
            s.flush()
            hazard_id = None
            if result.verdict == "major":
                route = result.route or {}
                lead = (route.get("lead") or {}).get("name")
                partners = [p.get("name") for p in route.get("partners") or [] if isinstance(p, dict)]
                hz = Hazard(finding_id=finding.id, unit_id=unit_id, snapshot_id=snap.id, status=lc.REGISTERED,
                            version=1, sector=result.sector, area=unit.area,
                            clauses=[{"document": h.document.id, "number": h.document.number, "clause": h.clause}
                                     for h in result.hazards],
                            lead=lead, partners=partners, partners_key="|" + "".join(f"{p}|" for p in partners),
                            found_on=found_on, found_month=found_on.strftime("%Y-%m"), plan={}, supervision={},
                            escalations=[])
                s.add(hz)
                s.flush()
                s.add_all(HazardClause(hazard_id=hz.id, document=h.document.id, number=h.document.number,
                                       clause=h.clause) for h in result.hazards)
                s.add(Event(hazard_id=hz.id, actor=actor.name, role=actor.role, action="登记", from_status=None,
                            to_status=lc.REGISTERED, reason=None, data={"snapshot": snap.id}))
                hazard_id = hz.id
        return {"finding_id": finding.id, "verdict": result.verdict, "verdict_zh": result.verdict_zh,
                "hazard": hazard_id, "existing": False}

    # ---- the closed loop ------------------------------------------------------------------------
    def transition(self, actor: Actor, hazard_id: int, action: str, data: dict[str, Any] | None = None,
                   expected_version: int | None = None) -> dict[str, Any]:
        """Take `action` on a hazard (lifecycle.ACTIONS). `expected_version` (the version the actor saw)
        makes a concurrent change a 409 instead of a lost update."""
        spec = lc.ACTIONS.get(action)
        if spec is None:
            raise HazardError("unknown_action", f"未知操作“{action}”；可选：{'、'.join(lc.ACTIONS)}", "action")
        data = dict(data or {})
        missing = [k for k in spec.needs if data.get(k) in (None, "", [])]
        if missing:
            raise HazardError("missing_field", f"“{action}”须填写：{'、'.join(missing)}", missing[0])
        for key in ("deadline",):
            if key in data:
                data[key] = _date(data[key], key).isoformat()
        for key, value in data.items():
            if isinstance(value, str) and len(value) > 2000:
                raise HazardError("too_long", f"{key} 超过 2000 字", key)
        with self.session() as s, s.begin():
            h = s.get(Hazard, hazard_id)
            if h is None or not self._can_read(actor, h):
                raise HazardError("not_found", f"没有编号为 {hazard_id} 的重大事故隐患", "hazard_id", 404)
            refused = refusal(actor, action, h.status, h.lead)
            if refused is not None:
                raise refused
            if expected_version is not None and expected_version != h.version:
                raise HazardError("conflict", f"该隐患已被他人修改（当前状态“{h.status}”，版本 {h.version}），请刷新后重试",
                                  "version", 409)
            before, version = h.status, h.version
            values: dict[str, Any] = {"version": version + 1}
            target = spec.target or before
            values["status"] = target
            if action == "整改":
                values["plan"] = {k: data[k] for k in ("measures", "funds", "responsible", "deadline")}
                values["deadline"] = dt.date.fromisoformat(data["deadline"])
            elif action == "销号":
                values["closed_on"] = dt.date.today()
                values["days_to_close"] = (values["closed_on"] - h.found_on).days
            elif action == "挂牌督办":
                values["supervision"] = {k: data[k] for k in ("level", "authority", "deadline")}
            done = s.execute(update(Hazard).where(Hazard.id == h.id, Hazard.version == version).values(**values)
                             .execution_options(synchronize_session=False))
            if done.rowcount != 1:  # someone else changed it between our read and this write
                s.rollback()
                current = self._get(hazard_id)
                raise HazardError("conflict", f"该隐患已被他人修改（当前状态“{current.status}”，版本 {current.version}），"
                                              "请刷新后重试", "version", 409)
            s.add(Event(hazard_id=h.id, actor=actor.name, role=actor.role, action=action, from_status=before,
                        to_status=target, reason=data.get("reason"), data=data))
        return self.show(actor, hazard_id)

    def _get(self, hazard_id: int) -> Hazard:
        with self.session() as s:
            return s.get(Hazard, hazard_id)

    # ---- reading ----------------------------------------------------------------------------------
    def show(self, actor: Actor, hazard_id: int) -> dict[str, Any]:
        with self.session() as s:
            h = s.get(Hazard, hazard_id)
            if h is None or not self._can_read(actor, h):
                raise HazardError("not_found", f"没有编号为 {hazard_id} 的重大事故隐患", "hazard_id", 404)
            unit = s.get(Unit, h.unit_id)
            snap = s.get(Snapshot, h.snapshot_id)
            finding = s.get(Finding, h.finding_id)
            events = s.scalars(select(Event).where(Event.hazard_id == h.id).order_by(Event.id)).all()
            personal = actor.role == "admin" or (actor.role == "department" and h.lead == actor.department)
            out = hazard_dict(h, unit, personal=personal)
            out["finding"] = {"channel": finding.channel, "found_on": finding.found_on.isoformat(), "text": finding.text,
                              "facts": finding.facts, "reporter": finding.reporter, "attachments": finding.attachments}
            out["judgement"] = snap.judgement
            out["rulebase_version"] = snap.rulebase_version
            out["events"] = [{"at": e.at.isoformat(), "actor": e.actor, "role": e.role, "action": e.action,
                              "from": e.from_status, "to": e.to_status, "reason": e.reason} for e in events]
            return out

    def list_hazards(self, actor: Actor, *, status: str | None = None, sector: str | None = None,
                     area: str | None = None, lead: str | None = None, overdue_on: dt.date | None = None,
                     limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Hazards the actor may read, filtered; newest first; `overdue_on` keeps open ones past deadline."""
        if status is not None and status not in lc.STATES:
            raise HazardError("bad_status", f"状态须为 {'、'.join(lc.STATES)} 之一", "status")
        if not 1 <= limit <= 1000 or offset < 0:
            raise HazardError("bad_limit", "limit 须为 1～1000，offset 不小于 0", "limit")
        stmt = self._visible(actor, select(Hazard, Unit).join(Unit, Unit.id == Hazard.unit_id))
        for col, value in ((Hazard.status, status), (Hazard.sector, sector), (Hazard.area, area), (Hazard.lead, lead)):
            if value is not None:
                stmt = stmt.where(col == value)
        if overdue_on is not None:
            stmt = stmt.where(Hazard.deadline < overdue_on, Hazard.status.in_(lc.OPEN))
        stmt = stmt.order_by(Hazard.id.desc()).limit(limit).offset(offset)
        with self.session() as s:
            return [hazard_dict(h, u) for h, u in s.execute(stmt).all()]

    def audit(self, hazard_id: int) -> list[tuple[str, str | None, str]]:
        with self.session() as s:
            return [(e.action, e.from_status, e.to_status) for e in
                    s.scalars(select(Event).where(Event.hazard_id == hazard_id).order_by(Event.id))]

    def stats(self, actor: Actor, today: dt.date | None = None) -> dict[str, Any]:
        """Counts (total, open, closed, overdue, average days to 销号) overall and by area, sector, lead
        department, clause and month, over the hazards the actor may read (computed in SQL)."""
        today = today or dt.date.today()
        is_closed = Hazard.status == lc.CLOSED
        measures = (func.count(Hazard.id), func.sum(case((is_closed, 0), else_=1)), func.sum(case((is_closed, 1), else_=0)),
                    func.sum(case((and_(~is_closed, Hazard.deadline < today), 1), else_=0)), func.avg(Hazard.days_to_close))

        def row(values) -> dict[str, Any]:
            total, opened, closed, overdue, avg = values
            return {"total": int(total or 0), "open": int(opened or 0), "closed": int(closed or 0),
                    "overdue": int(overdue or 0), "avg_days_to_close": round(float(avg), 1) if avg is not None else None}

        with self.session() as s:
            overall = row(s.execute(self._visible(actor, select(*measures))).one())
            by: dict[str, dict[str, Any]] = {}
            for name, cols in (("area", (Hazard.area,)), ("sector", (Hazard.sector,)), ("lead", (Hazard.lead,)),
                               ("month", (Hazard.found_month,)), ("clause", (HazardClause.number, HazardClause.clause))):
                stmt = select(*cols, *measures).group_by(*cols)
                if name == "clause":
                    stmt = stmt.join(Hazard, Hazard.id == HazardClause.hazard_id)
                groups = {}
                for values in s.execute(self._visible(actor, stmt)).all():
                    keys, vals = values[:len(cols)], values[len(cols):]
                    label = " ".join(str(k) for k in keys) if all(k is not None for k in keys) else "（未填）"
                    groups[label] = row(vals)
                by[name] = dict(sorted(groups.items()))
        return {"as_of": today.isoformat(), **overall, "by": by}

    # ---- jobs -------------------------------------------------------------------------------------
    def escalate(self, today: dt.date | None = None) -> list[dict[str, Any]]:
        """The daily job: for every open hazard past its deadline, take each escalation step due
        (ESCALATION_DAYS) that was not taken yet; each step is recorded once. Safe to run on several
        instances at once: a step is written with the hazard's version check, so only one run wins."""
        today = today or dt.date.today()
        done = []
        with self.session() as s:
            due = s.scalars(select(Hazard).where(Hazard.deadline < today, Hazard.status.in_(lc.OPEN))).all()
        for h in due:
            late = (today - h.deadline).days
            steps = [name for name, days in ESCALATION_DAYS if late >= days and name not in (h.escalations or [])]
            if not steps:
                continue
            with self.session() as s, s.begin():
                result = s.execute(update(Hazard).where(Hazard.id == h.id, Hazard.version == h.version)
                                   .values(escalations=list(h.escalations or []) + steps, version=h.version + 1)
                                   .execution_options(synchronize_session=False))
                if result.rowcount != 1:
                    continue  # another instance escalated it first
                for step in steps:
                    s.add(Event(hazard_id=h.id, actor=SYSTEM.name, role=SYSTEM.role, action="督办升级",
                                from_status=h.status, to_status=h.status, reason=f"逾期 {late} 天：{step}",
                                data={"step": step, "days_late": late}))
            done.append({"hazard": h.id, "days_late": late, "steps": steps, "lead": h.lead})
        return done

    def rejudge(self, actor: Actor, since: dt.date | None = None, until: dt.date | None = None) -> list[dict[str, Any]]:
        """Judge again every open hazard's finding and every finding found in [since, until] with the
        current rule base; report the differences (verdict or clauses changed). Snapshots are never
        rewritten: the report is for review."""
        from engine.pipeline import judge

        if actor.role != "admin":
            raise _forbidden("重新判定台账")
        with self.session() as s:
            stmt = select(Finding)
            if since or until:
                stmt = stmt.where(Finding.found_on >= (since or dt.date.min), Finding.found_on <= (until or dt.date.max))
            findings = list(s.scalars(stmt))
            open_ids = set(s.scalars(select(Hazard.finding_id).where(Hazard.status.in_(lc.OPEN))))
            findings += [f for f in s.scalars(select(Finding).where(Finding.id.in_(open_ids))) if f not in findings]
            snaps = {}
            for f in findings:
                snaps[f.id] = s.scalars(select(Snapshot).where(Snapshot.finding_id == f.id)
                                        .order_by(Snapshot.id.desc())).first()
        out = []
        for f in findings:
            snap = snaps[f.id]
            try:
                now = judge(f.sector, f.facts, f.found_on)
            except HazardError as exc:
                out.append({"finding_id": f.id, "change": "无法重新判定", "reason": exc.message})
                continue
            before = {(h["document"]["id"], h["clause"]) for h in snap.judgement.get("hazards", [])}
            after = {(h.document.id, h.clause) for h in now.hazards}
            if snap.verdict == now.verdict and before == after:
                continue
            change = ("新构成重大事故隐患" if now.verdict == "major" and snap.verdict != "major" else
                      "不再构成重大事故隐患" if snap.verdict == "major" and now.verdict != "major" else
                      "依据条款变化" if now.verdict == snap.verdict else "结论变化")
            out.append({"finding_id": f.id, "change": change, "before": snap.verdict, "after": now.verdict,
                        "clauses_before": sorted(map(list, before)), "clauses_after": sorted(map(list, after)),
                        "rulebase_before": snap.rulebase_version, "rulebase_after": now.rulebase_version})
        return out

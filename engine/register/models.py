"""Tables of the register. Judgement snapshots are written once and never updated; every change of a
hazard is an Event row (append-only audit trail) and bumps the hazard's `version` (optimistic locking)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Unit(Base):
    """生产经营单位. Personal data is minimal: the principal's name and a contact, readable by roles that act."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[Optional[str]] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    address: Mapped[Optional[str]] = mapped_column(String(300))
    area: Mapped[Optional[str]] = mapped_column(String(100), index=True)  # 镇/街道 or 园区
    sector: Mapped[Optional[str]] = mapped_column(String(32))
    principal: Mapped[Optional[str]] = mapped_column(String(50))  # 主要负责人
    contact: Mapped[Optional[str]] = mapped_column(String(50))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class Finding(Base):
    """One finding from one channel, as reported; `row_key` makes a ledger import idempotent."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # 企业自查上报 / 督导检查发现 / 群众举报查实
    found_on: Mapped[dt.date] = mapped_column(Date)
    reporter: Mapped[Optional[str]] = mapped_column(String(100))
    sector: Mapped[str] = mapped_column(String(32))
    text: Mapped[Optional[str]] = mapped_column(Text)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)  # references (paths, URLs), not files
    row_key: Mapped[Optional[str]] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[Optional[str]] = mapped_column(String(100))


class Snapshot(Base):
    """The judgement of a finding exactly as produced (JSON), with the rule-base version and editions."""

    __tablename__ = "snapshots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    rulebase_version: Mapped[str] = mapped_column(String(40))
    editions: Mapped[list[Any]] = mapped_column(JSON)
    judgement: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class Hazard(Base):
    """A finding judged major: routed, rectified, reviewed and closed (销号)."""

    __tablename__ = "hazards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"))
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    sector: Mapped[str] = mapped_column(String(32), index=True)
    area: Mapped[Optional[str]] = mapped_column(String(100), index=True)
    clauses: Mapped[list[Any]] = mapped_column(JSON)  # [{"document", "number", "clause"}]
    lead: Mapped[Optional[str]] = mapped_column(String(100), index=True)  # lead department name
    partners: Mapped[list[Any]] = mapped_column(JSON, default=list)
    partners_key: Mapped[str] = mapped_column(String(600), default="|")  # "|甲|乙|": partners, searchable
    found_month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM, for statistics
    days_to_close: Mapped[Optional[int]] = mapped_column(Integer)  # set at 销号
    found_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[Optional[dt.date]] = mapped_column(Date, index=True)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # measures, funds, responsible, deadline
    supervision: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # 挂牌督办: level, authority, deadline
    escalations: Mapped[list[Any]] = mapped_column(JSON, default=list)  # steps already taken (函告、通报…)
    closed_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class HazardClause(Base):
    """The clauses a hazard was judged under, one row each (statistics by clause)."""

    __tablename__ = "hazard_clauses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), index=True)
    document: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(100))
    clause: Mapped[str] = mapped_column(String(64))


class Event(Base):
    """Append-only audit trail: who did what, when and why; replaying it gives the hazard's state."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[Optional[str]] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[Optional[str]] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ApiKey(Base):
    """An access key: only its SHA-256 is stored. role: inspector / department / town / admin."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    department: Mapped[Optional[str]] = mapped_column(String(100))
    area: Mapped[Optional[str]] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)

"""Learner progress for quizzes: every answer kept (no personal data: a learner id of the learner's
choosing), accuracy per sector, document, clause and kind, and the weakest situations to practise."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from engine import db
from engine.errors import HazardError

LEARNER = re.compile(r"^[\w\-.]{1,64}$")


class Base(DeclarativeBase):
    pass


class QuizAnswer(Base):
    __tablename__ = "quiz_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner: Mapped[str] = mapped_column(String(64), index=True)
    quiz_id: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    sector: Mapped[str] = mapped_column(String(32))
    document: Mapped[str] = mapped_column(String(64))
    clause: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(64), index=True)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


def _session(url: str | None) -> Session:
    eng = db.engine(url)
    Base.metadata.create_all(eng)
    return Session(eng)


def check_learner(learner: str) -> str:
    if not isinstance(learner, str) or not LEARNER.match(learner):
        raise HazardError("bad_learner", "学员编号须为 1～64 个字母、数字、汉字或 - _ .（不要填写姓名等个人信息）", "learner")
    return learner


def record(learner: str, results: list[dict[str, Any]], quiz_id: str, *, url: str | None = None) -> int:
    """Store scored results (engine.quiz.score(...).results) for `learner`; returns how many were stored."""
    check_learner(learner)
    now = dt.datetime.now(dt.timezone.utc)
    with _session(url) as s, s.begin():
        for r in results:
            s.add(QuizAnswer(learner=learner, quiz_id=quiz_id, question=r["id"], kind=r["kind"], sector=r["sector"],
                             document=r["document"], clause=r["clause"], rule_id=r["rule_id"],
                             correct=bool(r["correct"]), answered_at=now))
    return len(results)


def progress(learner: str, *, url: str | None = None) -> dict[str, Any]:
    """Accuracy of `learner` overall and per sector, document+clause and kind: {"total", "correct", "by_…": […]}"""
    check_learner(learner)
    with _session(url) as s:
        def grouped(*cols):
            rows = s.execute(select(*cols, func.count(), func.sum(QuizAnswer.correct.cast(Integer)))
                             .where(QuizAnswer.learner == learner).group_by(*cols)).all()
            return [{"key": "/".join(map(str, r[:-2])), "answered": r[-2], "correct": int(r[-1] or 0),
                     "accuracy": round(int(r[-1] or 0) / r[-2], 3)} for r in rows]
        total = s.scalar(select(func.count()).where(QuizAnswer.learner == learner)) or 0
        correct = s.scalar(select(func.count()).where(QuizAnswer.learner == learner, QuizAnswer.correct)) or 0
        return {"learner": learner, "total": total, "correct": correct,
                "accuracy": round(correct / total, 3) if total else None,
                "by_sector": grouped(QuizAnswer.sector), "by_clause": grouped(QuizAnswer.document, QuizAnswer.clause),
                "by_kind": grouped(QuizAnswer.kind)}


def weak_rules(learner: str, limit: int = 20, *, url: str | None = None) -> list[str]:
    """Rules the learner answered worst (lowest accuracy, then most answered), for a practice quiz."""
    check_learner(learner)
    with _session(url) as s:
        rows = s.execute(select(QuizAnswer.rule_id, func.count(), func.sum(QuizAnswer.correct.cast(Integer)))
                         .where(QuizAnswer.learner == learner).group_by(QuizAnswer.rule_id)).all()
    ranked = sorted(((int(c or 0) / n, -n, rule) for rule, n, c in rows if int(c or 0) < n))
    return [rule for _, _, rule in ranked[:limit]]

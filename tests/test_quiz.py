"""Quizzes: every key is what the engine judges, every distractor is judged differently, quizzes are
reproducible, answers are scored and kept per learner, bad input is refused in Chinese."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from engine import cli, knowledge, learners
from engine import quiz as qz
from engine.errors import HazardError
from engine.pipeline import judge

KB = knowledge.default()
CASES = [("chemicals", dt.date(2026, 8, 1)), ("fireworks", dt.date(2026, 8, 1)), ("mines", dt.date(2026, 8, 1)),
         ("mines", dt.date(2026, 6, 30)), ("fire", dt.date(2025, 6, 1)), ("gas", dt.date(2026, 8, 1))]


def _judge(q, case):
    return judge(q.sector, case["facts"], dt.date.fromisoformat(case["as_of"]), kb=KB)


def check_key(q: qz.QuizQuestion) -> None:
    """Re-judge the question's cases: the key is the engine's answer, every distractor is not."""
    right = [o for o in q.options if o.correct]
    wrong = [o for o in q.options if not o.correct]
    assert right and sorted(o.key for o in right) == sorted(q.answer)
    assert len({o.text for o in q.options}) == len(q.options), f"{q.id}: two options read the same"
    if q.kind in ("verdict", "boundary"):
        j = _judge(q, q.cases[0])
        assert [o.value for o in right] == [j.verdict], q
        assert all(o.value != j.verdict for o in wrong)
    elif q.kind == "clause":
        j = _judge(q, q.cases[0])
        cited = {h.clause for h in j.hazards}
        assert right[0].value in cited and not cited & {o.value for o in wrong}, q
    elif q.kind == "question":
        case = q.cases[0]
        assert _judge(q, case).verdict == "insufficient"
        settled = _judge(q, {**case, "facts": {**case["facts"], case["settles"]: case["settles_value"]}})
        assert right[0].value == case["settles"] and settled.verdict == "major"
        assert all(o.value != case["settles"] for o in wrong)
    elif q.kind == "lead":
        j = _judge(q, q.cases[0])
        assert right[0].value == j.route["lead"]["name"] and all(o.value != right[0].value for o in wrong)
    elif q.kind == "multi":
        for o, case in zip(sorted(q.options, key=lambda o: int(o.value)), q.cases):
            assert (_judge(q, case).verdict == "major") == o.correct, (q.id, o)


@pytest.mark.parametrize("sector,day", CASES)
def test_every_key_is_the_engines_answer(sector, day):
    quiz = qz.generate(sector, 12, seed=11, as_of=day, kb=KB)
    assert len(quiz.questions) == 12
    assert {q.kind for q in quiz.questions} >= {"verdict", "clause"}
    for q in quiz.questions:
        check_key(q)
        assert all(o.explanation for o in q.options)


def test_same_seed_same_quiz_and_scoring():
    a = qz.generate("chemicals", 6, seed=3, as_of=dt.date(2026, 8, 1), kb=KB)
    b = qz.regenerate(a.id, kb=KB)
    assert a == b
    answers = {q.id: q.answer for q in a.questions}
    answers[a.questions[0].id] = [o.key for o in a.questions[0].options if not o.correct][:1]
    scored = qz.score(a, answers)
    assert (scored.score, scored.total) == (5, 6)
    assert scored.results[0]["correct"] is False and scored.results[0]["explanations"]


def test_boundary_questions_follow_the_documents_own_words():
    quiz = qz.generate("mines", 8, seed=5, as_of=dt.date(2026, 8, 1), kinds=["boundary"], kb=KB)
    assert quiz.questions and all(q.kind == "boundary" for q in quiz.questions)
    for q in quiz.questions:
        check_key(q)


def test_edition_change_question_for_coal():
    from engine import logic

    plain = [r.id for r in KB.documents["COAL-2026"].rules if r.then.kind == "major_hazard"
             and not any(l.op in logic.NUMERIC_OPS for l in logic.leaves(r.condition))][:40]
    quiz = qz.generate("mines", 6, seed=2, as_of=dt.date(2026, 8, 1), kinds=["boundary"], rules=plain, kb=KB)
    assert quiz.questions and all("换版" in q.stem for q in quiz.questions)
    for q in quiz.questions:
        assert q.as_of in (dt.date(2026, 6, 30), dt.date(2026, 7, 1))
        check_key(q)


@pytest.mark.parametrize("kwargs,code", [
    ({"sector": "nope"}, "unknown_sector"), ({"count": 0}, "bad_count"), ({"count": 10_000}, "bad_count"),
    ({"kinds": ["essay"]}, "unknown_kind"),
])
def test_bad_requests(kwargs, code):
    with pytest.raises(HazardError) as err:
        qz.generate(**{"count": 5, **kwargs}, kb=KB)
    assert err.value.code == code


def test_unknown_quiz_and_wrong_answers():
    with pytest.raises(HazardError) as err:
        qz.regenerate("chemicals.5.1.20260801.verdict.deadbeef", kb=KB)
    assert err.value.code == "unknown_quiz"
    quiz = qz.generate("chemicals", 2, seed=1, as_of=dt.date(2026, 8, 1), kb=KB)
    with pytest.raises(HazardError) as err:
        qz.score(quiz, {"Q9": "A"})
    assert err.value.code == "unknown_question"
    with pytest.raises(HazardError) as err:
        qz.score(quiz, {"Q1": "Z"})
    assert err.value.code == "bad_answer"


def test_learner_progress_drives_practice(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    quiz = qz.generate("chemicals", 4, seed=9, as_of=dt.date(2026, 8, 1), kb=KB)
    wrong = {q.id: [o.key for o in q.options if not o.correct][:1] for q in quiz.questions[:2]}
    right = {q.id: q.answer for q in quiz.questions[2:]}
    scored = qz.score(quiz, {**wrong, **right})
    assert learners.record("学员-01", scored.results, quiz.id, url=url) == 4
    prog = learners.progress("学员-01", url=url)
    assert (prog["total"], prog["correct"]) == (4, 2)
    weak = learners.weak_rules("学员-01", url=url)
    assert set(weak) == {q.rule_id for q in quiz.questions[:2]}
    practice = qz.generate("chemicals", 4, seed=1, as_of=dt.date(2026, 8, 1), rules=weak, kb=KB)
    assert {q.rule_id for q in practice.questions} <= set(weak)
    with pytest.raises(HazardError):
        learners.record("张 三/../x", scored.results, quiz.id, url=url)


def test_cli_interactive_quiz_and_paper(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    quiz = qz.generate("chemicals", 3, seed=4, as_of=dt.date(2026, 8, 1), kb=KB)
    keys = "\n".join("".join(q.answer) for q in quiz.questions) + "\n"
    monkeypatch.setattr("sys.stdin", io.StringIO("zz\n" + keys))
    assert cli.main(["quiz", "--sector", "chemicals", "--count", "3", "--seed", "4", "--as-of", "2026-08-01",
                     "--learner", "t1"]) == 0
    out = capsys.readouterr().out
    assert "得分：3/3" in out and "请输入" in out
    assert learners.progress("t1")["correct"] == 3
    paper = tmp_path / "试卷.docx"
    assert cli.main(["quiz", "--sector", "mines", "--count", "5", "--seed", "1", "--paper", str(paper)]) == 0
    from docx import Document

    key_text = "\n".join(p.text for p in Document(str(tmp_path / "试卷-答案.docx")).paragraphs)
    assert "答案：" in key_text and paper.exists()
    assert cli.main(["quiz", "--count", "x"]) == 2
    assert cli.main(["quiz", "--weak"]) == 2

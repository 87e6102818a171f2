"""Question order (issue 11 item 4): the most decisive first, the top few by default, never a given fact."""

from __future__ import annotations

import datetime as dt

import pytest

from engine import knowledge
from engine.judge import DEFAULT_QUESTIONS, judge
from engine.questions import Probe, candidates

KB = knowledge.default()
TIER = {"major": 0, "settle": 1, "more": 2}

CASES = [
    ("mines", {"矿山类别": "煤矿", "煤矿开采方式": "井工煤矿", "开采煤层自燃倾向性": "容易自燃", "采煤工作面为充填开采": "否"},
     dt.date(2026, 8, 1)),
    ("mines", {"矿山类别": "煤矿", "甲烷浓度达到3.0%以上的持续时长": 20}, dt.date(2026, 8, 1)),
    ("chemicals", {"在役化工装置经正规设计": "否"}, dt.date(2026, 5, 1)),
    ("fire", {"场所使用性质": "旅馆、宾馆、饭店", "封闭楼梯间或防烟楼梯间的门损坏率": 60}, dt.date(2025, 6, 1)),
    ("gas", {"被检查单位类别": "燃气经营者", "其他严重违反城镇燃气经营法律法规及标准规范": "是"}, dt.date(2026, 5, 1)),
]


@pytest.mark.parametrize("sector,facts,day", CASES)
def test_questions_come_most_decisive_first_and_a_major_question_can_make_it_major(sector, facts, day):
    j = judge(sector, facts, day, all_questions=True)
    assert j.verdict == "insufficient", j.verdict
    tiers = [TIER[q.decides] for q in j.questions]
    assert tiers == sorted(tiers), [(q.label, q.decides) for q in j.questions]
    given = set(j.facts)
    assert not given & {q.fact for q in j.questions}  # never a fact already given
    sec = KB.sectors[sector]
    for q in j.questions[:3]:
        if q.decides != "major":
            continue
        fact = sec.facts[q.fact]
        values = {v for d in KB.documents.values() if d.sector == sector and d.status == "encoded"
                  for v in candidates(fact, Probe(d))}
        verdicts = {judge(sector, {**j.facts, q.fact: v}, day).verdict for v in values}
        assert "major" in verdicts, (q.label, verdicts)


@pytest.mark.parametrize("sector,facts,day", CASES)
def test_the_default_shows_the_top_few_and_counts_the_rest(sector, facts, day):
    every = judge(sector, facts, day, all_questions=True)
    top = judge(sector, facts, day)
    assert [q.fact for q in top.questions] == [q.fact for q in every.questions][:DEFAULT_QUESTIONS]
    assert top.questions_omitted == len(every.questions) - len(top.questions)


def test_the_api_lists_every_question_on_request():
    from fastapi.testclient import TestClient

    from api.server import create_app

    client = TestClient(create_app())
    body = {"sector": CASES[0][0], "facts": CASES[0][1], "as_of": str(CASES[0][2])}
    top = client.post("/v1/judgements", json=body).json()
    every = client.post("/v1/judgements?questions=all", json=body).json()
    assert len(top["questions"]) == DEFAULT_QUESTIONS and top["questions_omitted"] > 0
    assert len(every["questions"]) == DEFAULT_QUESTIONS + top["questions_omitted"]

"""Quizzes and checklists over HTTP: the key never leaves the server before answers; answers are
scored against the engine; checklists download and a filled one is judged; bad input is 4xx."""

from __future__ import annotations

import base64
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.server import create_app
from engine import quiz as qz


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app())


def test_quiz_round_trip(client):
    r = client.get("/v1/quizzes", params={"sector": "chemicals", "count": 3, "seed": 4, "as_of": "2026-08-01"})
    assert r.status_code == 200
    quiz = r.json()
    assert len(quiz["questions"]) == 3
    assert all("answer" not in q and all("correct" not in o for o in q["options"]) for q in quiz["questions"])
    full = qz.regenerate(quiz["id"])
    answers = {q.id: q.answer for q in full.questions}
    answers[full.questions[0].id] = [o.key for o in full.questions[0].options if not o.correct][:1]
    scored = client.post(f"/v1/quizzes/{quiz['id']}/answers", json={"answers": answers, "learner": "api-1"})
    assert scored.status_code == 200 and scored.json()["score"] == 2 and scored.json()["total"] == 3
    assert scored.json()["results"][0]["explanations"]


@pytest.mark.parametrize("params,status", [({"count": 0}, 422), ({"count": 10_000}, 422), ({"sector": "nope"}, 422)])
def test_bad_quiz_requests(client, params, status):
    r = client.get("/v1/quizzes", params=params)
    assert r.status_code == status and r.json()["error"]["code"]


def test_unknown_quiz_and_wrong_answers(client):
    r = client.post("/v1/quizzes/nope/answers", json={"answers": {}})
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_quiz"
    quiz = client.get("/v1/quizzes", params={"sector": "chemicals", "count": 2, "seed": 1}).json()
    bad = client.post(f"/v1/quizzes/{quiz['id']}/answers", json={"answers": {"Q9": "A"}})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_question"


def test_checklist_download_and_judgement(client):
    r = client.get("/v1/checklists", params={"sector": "mines", "as_of": "2026-08-01", "context": "矿山类别=煤矿"})
    assert r.status_code == 200 and r.json()["sections"][0]["document"] == "COAL-2026"
    x = client.get("/v1/checklists", params={"sector": "mines", "context": "矿山类别=煤矿", "format": "xlsx"})
    assert x.status_code == 200 and load_workbook(io.BytesIO(x.content))["检查表"]
    judged = client.post("/v1/checklists/judgements", json={"content_base64": base64.b64encode(x.content).decode()})
    assert judged.status_code == 200 and judged.json()["verdict"] == "insufficient"
    assert client.post("/v1/checklists/judgements", json={"content_base64": "%%%"}).status_code == 422
    bad = client.get("/v1/checklists", params={"sector": "mines", "context": "充装介质"})
    assert bad.status_code == 422

"""The Chinese web interface served by `hazard serve` at `/`: judge a finding (facts picked from a
searchable list, or text), answer the decisive questions inline, print the judgement; browse the
criteria; generate and judge checklists; take quizzes. Offline: every asset ships in the package.

Pages are rendered on the server (Jinja2) from the same functions the JSON API calls (api.server's
judge_case, engine.checklist, engine.quiz); the templates hold no judgement logic. Judging is a GET
with the facts in the query string, so a page works without JavaScript, can be bookmarked and is
stateless; a little JavaScript (static/app.js) swaps in the verdict card without a reload.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from engine import catalog, render
from engine.errors import HazardError
from engine.knowledge import KnowledgeBase

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
MAX_FACTS = 200
MAX_TEXT = 5000
UPLOAD_LIMIT = 700_000  # bytes of a spreadsheet (base64 in JSON stays under the API's body limit)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _facts_from_query(request: Request) -> tuple[dict[str, str], list[str]]:
    """Facts from `f=标签=取值` (repeatable) and answered questions `q:标签=取值`; blanks are skipped."""
    facts: dict[str, str] = {}
    problems: list[str] = []
    for raw in request.query_params.getlist("f"):
        if "=" not in raw:
            problems.append(f"无法读取事实“{raw}”（应为 事实=取值）")
            continue
        name, value = raw.split("=", 1)
        if name.strip() and value.strip():
            facts[name.strip()] = value.strip()
    for key, value in request.query_params.multi_items():
        if key.startswith("q:") and value.strip():
            facts[key[2:].strip()] = value.strip()
    if len(facts) > MAX_FACTS:
        raise HazardError("too_many_facts", f"事实过多（{len(facts)} 条，上限 {MAX_FACTS}）", "f")
    return facts, problems


def _date(text: str | None, field: str = "as_of") -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise HazardError("bad_date", f"日期须为 YYYY-MM-DD（收到：{text!r}）", field) from None


def _vocab(kb: KnowledgeBase) -> dict[str, Any]:
    """What the fact picker searches: per sector, every fact with label, type, values, question and the
    phrases of the vocabulary; context facts (what kind of unit or place) first."""
    out = {}
    for sector in kb.sectors.values():
        out[sector.id] = [{"id": f.id, "label": f.label, "type": f.type, "values": f.values, "unit": f.unit,
                           "question": f.question, "context": f.scope,
                           "words": sorted({w for ws in f.phrases.values() for w in ws})}
                          for f in sorted(sector.facts.values(), key=lambda f: (not f.scope, f.derived))]
    return out


def _error_json(code: str, message: str, status: int) -> Response:
    return Response(json.dumps({"error": {"code": code, "message": message, "field": None}}, ensure_ascii=False),
                    status_code=status, media_type="application/json")


def mount(app: FastAPI, kb: KnowledgeBase, judge_case, case_model) -> None:
    """Add the web pages and their static files to `app` (called by api.server.create_app)."""
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    vocab_json = json.dumps(_vocab(kb), ensure_ascii=False)
    sectors = [{"id": s.id, "label": s.label} for s in kb.sectors.values()]

    def page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("sectors", sectors)
        ctx.setdefault("version", kb.version)
        return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status)

    def judge_from(request: Request) -> dict[str, Any]:
        """Read the judging form, judge it through the API's own function; errors become a message."""
        params = request.query_params
        sector = (params.get("sector") or "").strip()
        text = (params.get("text") or "").strip()
        form: dict[str, Any] = {"sector": sector, "as_of": params.get("as_of") or "", "text": text,
                                "complete": params.get("complete") == "1", "facts": {}, "result": None,
                                "error": None, "found_by": params.get("found_by") or ""}
        try:
            facts, problems = _facts_from_query(request)
            form["facts"] = facts
            if problems:
                raise HazardError("bad_fact_syntax", "；".join(problems), "f")
            if len(text) > MAX_TEXT:
                raise HazardError("text_too_long", f"检查记录过长（{len(text)} 字，上限 {MAX_TEXT}）", "text")
            if not facts and not text:
                return form
            body: dict[str, Any] = {"facts": facts, "complete": form["complete"]}
            if sector:
                body["sector"] = sector
            if text:
                body["text"] = text
            if form["as_of"]:
                body["as_of"] = _date(form["as_of"]).isoformat()
            if form["found_by"]:
                body["found_by"] = form["found_by"]
            try:
                case = case_model.model_validate(body)
            except Exception as exc:  # pydantic's ValidationError: report the first problem in Chinese
                first = exc.errors()[0] if hasattr(exc, "errors") else {}
                where = ".".join(map(str, first.get("loc", [])))
                if where == "text":
                    raise HazardError("text_unsupported", "本服务尚不支持按文字判定，请从列表选择事实", "text") from None
                raise HazardError("bad_input", f"输入有误（{where}）", where or None) from None
            form["result"] = json.loads(judge_case(case, kb).model_dump_json(exclude_none=True))
        except HazardError as exc:
            form["error"] = {"code": exc.code, "message": exc.message, "field": exc.field}
        return form

    from api import web_register

    web_register.mount(app, kb, page)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        form = judge_from(request)
        name = "_card.html" if request.query_params.get("partial") == "1" else "judge.html"
        return page(request, name, 422 if form["error"] else 200, form=form, vocab_json=vocab_json,
                    today=dt.date.today().isoformat())

    @app.get("/print", response_class=HTMLResponse, include_in_schema=False)
    def printable(request: Request) -> HTMLResponse:
        form = judge_from(request)
        return page(request, "print.html", 422 if form["error"] else 200, form=form)

    @app.get("/criteria", response_class=HTMLResponse, include_in_schema=False)
    def criteria(request: Request) -> HTMLResponse:
        docs = [catalog.document_summary(d) for s in kb.sectors.values() for d in s.documents]
        return page(request, "criteria.html", docs=docs)

    @app.get("/criteria/{document_id}", response_class=HTMLResponse, include_in_schema=False)
    def document(request: Request, document_id: str) -> HTMLResponse:
        doc = kb.documents.get(document_id)
        if doc is None:
            return page(request, "message.html", 404, title="没有这份文件",
                        message=f"没有编号为“{document_id}”的判定标准；请从条文列表中选择。")
        detail = catalog.document_detail(doc)
        explained = {r.id: render.rule(kb, doc, r) for r in doc.rules}
        return page(request, "document.html", doc=detail, explained=explained)

    @app.get("/checklist", response_class=HTMLResponse, include_in_schema=False)
    def checklist_page(request: Request) -> Response:
        from engine import checklist as cl
        from engine import checklist_io

        params = request.query_params
        sector = params.get("sector") or ""
        ctx = {}
        for raw in params.getlist("c"):
            if "=" in raw and raw.split("=", 1)[1].strip():
                k, v = raw.split("=", 1)
                ctx[k.strip()] = v.strip()
        fmt = params.get("format")
        error, sheet = None, None
        context_facts = [{"label": f.label, "choices": f.values or ["是", "否"]}
                         for f in kb.sectors[sector].facts.values() if f.scope] if sector in kb.sectors else []
        if sector:
            try:
                sheet = cl.build(sector, _date(params.get("as_of")), ctx, kb=kb)
                if fmt == "xlsx":
                    return Response(checklist_io.to_xlsx(sheet), media_type=XLSX, headers={
                        "content-disposition": "attachment; filename*=UTF-8''checklist.xlsx"})
                if fmt == "docx":
                    return Response(checklist_io.to_docx(sheet), media_type=DOCX, headers={
                        "content-disposition": "attachment; filename*=UTF-8''checklist.docx"})
            except HazardError as exc:
                error = {"code": exc.code, "message": exc.message, "field": exc.field}
        return page(request, "checklist.html", 422 if error else 200, sheet=sheet, error=error, sector=sector,
                    ctx=ctx, context_facts=context_facts, as_of=params.get("as_of") or "")

    @app.post("/web/checklist/judge", include_in_schema=False)
    async def checklist_judge(request: Request) -> Response:
        """The page uploads a filled sheet as JSON {"content_base64": "..."}; answers the result card."""
        from engine import checklist_io

        try:
            body = await request.json()
            raw = base64.b64decode(str(body.get("content_base64", "")), validate=True)
        except Exception:
            return page(request, "_checklist_result.html", 400, error={"code": "bad_upload", "message": "上传内容无法读取，请重新选择文件"})
        if len(raw) > UPLOAD_LIMIT:
            return page(request, "_checklist_result.html", 413,
                        error={"code": "upload_too_large", "message": f"文件超过 {UPLOAD_LIMIT // 1000} KB"})
        try:
            sheet, result = checklist_io.judge_xlsx(raw, kb=kb)
        except HazardError as exc:
            return page(request, "_checklist_result.html", 422, error={"code": exc.code, "message": exc.message})
        return page(request, "_checklist_result.html", result=json.loads(result.model_dump_json(exclude_none=True)),
                    sheet=sheet)

    @app.get("/batch", response_class=HTMLResponse, include_in_schema=False)
    def batch_page(request: Request) -> HTMLResponse:
        return page(request, "batch.html")

    @app.post("/web/sheet", include_in_schema=False)
    async def batch_sheet(request: Request) -> Response:
        """The page uploads findings as JSON {"name": "x.xlsx", "content_base64": "..."}; answers the judged .xlsx."""
        from engine import sheet

        try:
            body = await request.json()
            name = str(body.get("name") or "findings.xlsx")
            raw = base64.b64decode(str(body.get("content_base64", "")), validate=True)
        except Exception:
            return _error_json("bad_upload", "上传内容无法读取，请重新选择文件", 400)
        if len(raw) > UPLOAD_LIMIT:
            return _error_json("upload_too_large", f"文件超过 {UPLOAD_LIMIT // 1000} KB，请分批上传", 413)
        try:
            header, rows = sheet.judge_rows(raw, name, judge_one=lambda case: _judge_row(case), kb=kb)
        except HazardError as exc:
            return _error_json(exc.code, exc.message, 422)
        return Response(sheet.to_xlsx(header, rows), media_type=XLSX,
                        headers={"content-disposition": "attachment; filename*=UTF-8''judged.xlsx"})

    def _judge_row(case: dict[str, Any]):
        body = {k: v for k, v in case.items() if v is not None}
        if isinstance(body.get("as_of"), dt.date):
            body["as_of"] = body["as_of"].isoformat()
        try:
            return judge_case(case_model.model_validate(body), kb)
        except HazardError:
            raise
        except Exception:
            raise HazardError("bad_input", "该行内容有误（行业、日期或事实）", None) from None

    @app.get("/quiz", response_class=HTMLResponse, include_in_schema=False)
    def quiz_page(request: Request) -> HTMLResponse:
        from engine import quiz as qz

        params = request.query_params
        sector = params.get("sector") or None
        quiz, error = None, None
        if params.get("start"):
            try:
                count = int(params.get("count") or 5)
                seed = int(params["seed"]) if params.get("seed") else None
                quiz = qz.generate(sector, count, seed, _date(params.get("as_of")), kb=kb)
            except ValueError:
                error = {"code": "bad_count", "message": "题目数量和随机种子须为整数"}
            except HazardError as exc:
                error = {"code": exc.code, "message": exc.message}
        answers = {k[2:]: params.getlist(k) for k in params.keys() if k.startswith("a:")}
        scored = None
        if quiz is not None and params.get("submit"):
            try:
                scored = qz.score(quiz, answers)
            except HazardError as exc:
                error = {"code": exc.code, "message": exc.message}
        return page(request, "quiz.html", 422 if error else 200, quiz=quiz, error=error, scored=scored,
                    answers=answers, sector=sector or "", count=params.get("count") or "5")

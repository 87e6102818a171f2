"""The register's web pages (`/register…`): the same service as `/v1/register/…` (api.register's
Register), for people who do not use the API.

Access is the register's own: the user types the access key made with `hazard register key`; it is
kept in an HttpOnly, SameSite=Strict cookie limited to `/register` and checked on every request
(engine.register.service.Register.actor_for_key), so each role sees and does exactly what the API
allows it. A POST whose Origin names another site is refused (403), on top of the SameSite cookie.
Forms that fail keep what was entered and show the Chinese message; nothing is judged or decided in
the templates.

Pages: 台账 (list with filters) · 登记检查发现 · 隐患详情 with the actions the role may take now ·
统计 with server-rendered charts (engine.register.chart).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from engine.errors import HazardError
from engine.knowledge import KnowledgeBase

COOKIE = "hj_key"
FORM_LIMIT = 64_000  # bytes of a submitted form
FIELD_ZH = {"measures": "整改措施", "funds": "整改资金", "responsible": "整改责任人", "deadline": "整改期限",
            "evidence": "整改完成情况及材料", "reviewer": "复核人", "reason": "退回理由", "level": "督办级别",
            "authority": "督办机关", "notified": "通知对象及方式"}
DATE_FIELDS = {"deadline"}
BY_ZH = {"area": "镇（街道）/园区", "sector": "行业", "lead": "牵头部门", "clause": "条款", "month": "月份"}


def _register():
    from api.register import _register as shared

    return shared()


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded form body (the last value of a repeated field); over FORM_LIMIT is refused."""
    raw = await request.body()
    if len(raw) > FORM_LIMIT:
        raise HazardError("form_too_large", f"提交内容过大（上限 {FORM_LIMIT // 1000} KB）", None, 413)
    try:
        return {k: v.strip() for k, v in parse_qsl(raw.decode("utf-8"), keep_blank_values=True)}
    except UnicodeDecodeError:
        raise HazardError("bad_form", "提交内容不是 UTF-8 文字", None, 400) from None


def _same_site(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise HazardError("forbidden", "拒绝来自其他网站的提交", None, 403)


async def _posted(request: Request) -> dict[str, str]:
    """A form posted from this site (api.web_register's pages): the Origin check, then the body."""
    _same_site(request)
    return await _form(request)


def _facts(text: str) -> dict[str, str]:
    """One `事实=取值` a line (＝ accepted); blank lines skipped; anything else is refused by line."""
    facts: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        name, sep, value = line.replace("＝", "=").partition("=")
        if not sep or not name.strip() or not value.strip():
            raise HazardError("bad_fact_syntax", f"第 {n} 行“{line[:40]}”应写成 事实=取值", "facts")
        facts[name.strip()] = value.strip()
    return facts


def mount(app: FastAPI, kb: KnowledgeBase, page: Callable[..., HTMLResponse]) -> None:
    """Add the register pages to `app`; `page(request, template, status, **context)` renders (api.web)."""
    from engine.register import lifecycle as lc
    from engine.register.service import CHANNELS, refusal

    sector_zh = {s.id: s.label for s in kb.sectors.values()}

    def actor(request: Request):
        """The actor of the cookie's key, or None (the login form is shown)."""
        key = request.cookies.get(COOKIE)
        if not key:
            return None
        try:
            return _register().actor_for_key(key)
        except HazardError:
            return None

    def render(request: Request, name: str, who, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.update(who=who, role_zh=lc.ROLE_ZH, sector_zh=sector_zh, states=lc.STATES)
        return page(request, name, status, **ctx)

    def login(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
        return render(request, "register_login.html", None, status, error=error, next=request.url.path)

    def error_of(exc: HazardError) -> dict[str, Any]:
        return {"code": exc.code, "message": exc.message, "field": exc.field}

    @app.get("/register", response_class=HTMLResponse, include_in_schema=False)
    def register_list(request: Request) -> HTMLResponse:
        who = actor(request)
        if who is None:
            return login(request)
        p = request.query_params
        filters = {k: (p.get(k) or "").strip() or None for k in ("status", "sector", "area", "lead")}
        overdue = p.get("overdue") == "1"
        error, rows = None, []
        try:
            rows = _register().list_hazards(who, **filters, overdue_on=dt.date.today() if overdue else None, limit=200)
        except HazardError as exc:
            error = error_of(exc)
        return render(request, "register_list.html", who, 422 if error else 200, rows=rows, filters=filters,
                      overdue=overdue, error=error)

    @app.post("/register/login", include_in_schema=False)
    async def register_login(request: Request) -> Response:
        try:
            key = (await _posted(request)).get("key", "")
        except HazardError as exc:
            return login(request, exc.status, exc.message)
        try:
            _register().actor_for_key(key)
        except HazardError:
            return login(request, 401, "访问密钥无效；请向管理员索取（hazard register key 生成）")
        out = RedirectResponse("/register", status_code=303)
        out.set_cookie(COOKIE, key, httponly=True, samesite="strict", path="/register", max_age=12 * 3600)
        return out

    @app.post("/register/logout", include_in_schema=False)
    def register_logout() -> Response:
        out = RedirectResponse("/register", status_code=303)
        out.delete_cookie(COOKIE, path="/register")
        return out

    def new_form(request: Request, who, status: int = 200, form: dict[str, str] | None = None,
                 error: dict[str, Any] | None = None, done: dict[str, Any] | None = None) -> HTMLResponse:
        form = form or {"found_on": dt.date.today().isoformat(), "channel": CHANNELS[1]}
        return render(request, "register_new.html", who, status, form=form, error=error, done=done, channels=CHANNELS)

    @app.get("/register/new", response_class=HTMLResponse, include_in_schema=False)
    def register_new(request: Request) -> HTMLResponse:
        who = actor(request)
        return login(request) if who is None else new_form(request, who)

    @app.post("/register/new", include_in_schema=False)
    async def register_add(request: Request) -> Response:
        who = actor(request)
        if who is None:
            return login(request, 401, "请先输入访问密钥")
        form: dict[str, str] = {}
        try:
            form = await _posted(request)
            if not form.get("unit_name"):
                raise HazardError("missing_field", "请填写被检查单位名称", "unit_name")
            unit = {"name": form["unit_name"], "credit_code": form.get("credit_code") or None,
                    "area": form.get("area") or None, "address": form.get("address") or None}
            data = {"unit": unit, "channel": form.get("channel"), "found_on": form.get("found_on"),
                    "sector": form.get("sector"), "facts": _facts(form.get("facts", "")),
                    "text": form.get("text") or None, "reporter": form.get("reporter") or None,
                    "found_by": form.get("found_by") or None}
            if not data["facts"]:
                raise HazardError("missing_field", "请至少填写一条现场事实（事实=取值，一行一条）", "facts")
            done = _register().add_finding(who, data)
        except HazardError as exc:
            return new_form(request, who, exc.status if exc.status >= 400 else 422, form, error_of(exc))
        if done.get("hazard"):
            return RedirectResponse(f"/register/hazards/{done['hazard']}?new=1", status_code=303)
        return new_form(request, who, 200, form, None, done)

    def detail(request: Request, who, hazard_id: int, status: int = 200, error: dict[str, Any] | None = None,
               entered: dict[str, str] | None = None) -> HTMLResponse:
        try:
            hz = _register().show(who, hazard_id)
        except HazardError as exc:
            return render(request, "message.html", who, exc.status, title="没有这条隐患", message=exc.message)
        actions = [{"name": spec.name, "fields": [{"id": f, "label": FIELD_ZH.get(f, f), "date": f in DATE_FIELDS}
                                                  for f in spec.needs]}
                   for spec in lc.ACTIONS.values() if refusal(who, spec.name, hz["status"], hz["lead"]) is None]
        return render(request, "register_hazard.html", who, status, hz=hz, actions=actions, error=error,
                      entered=entered or {}, new=request.query_params.get("new") == "1")

    @app.get("/register/hazards/{hazard_id}", response_class=HTMLResponse, include_in_schema=False)
    def register_hazard(request: Request, hazard_id: int) -> HTMLResponse:
        who = actor(request)
        return login(request) if who is None else detail(request, who, hazard_id)

    @app.post("/register/hazards/{hazard_id}", include_in_schema=False)
    async def register_act(request: Request, hazard_id: int) -> Response:
        who = actor(request)
        if who is None:
            return login(request, 401, "请先输入访问密钥")
        form: dict[str, str] = {}
        try:
            form = await _posted(request)
            action = form.get("action", "")
            version = form.get("version")
            data = {k: v for k, v in form.items() if k in FIELD_ZH and v}
            _register().transition(who, hazard_id, action, data, int(version) if version and version.isdigit() else None)
        except HazardError as exc:
            return detail(request, who, hazard_id, exc.status if exc.status >= 400 else 422, error_of(exc), form)
        return RedirectResponse(f"/register/hazards/{hazard_id}", status_code=303)

    @app.get("/register/stats", response_class=HTMLResponse, include_in_schema=False)
    def register_stats(request: Request) -> HTMLResponse:
        who = actor(request)
        if who is None:
            return login(request)
        by = request.query_params.get("by") or "area"
        if by not in BY_ZH:
            by = "area"
        stats = _register().stats(who)
        return render(request, "register_stats.html", who, stats=stats, by=by, by_zh=BY_ZH,
                      chart=f"/register/stats/chart.svg?{urlencode({'by': by})}")

    @app.get("/register/stats/chart.svg", include_in_schema=False)
    def register_chart(request: Request) -> Response:
        from engine.register.chart import bar_chart

        who = actor(request)
        if who is None:
            return Response(status_code=401)
        by = request.query_params.get("by") or "area"
        if by not in BY_ZH:
            by = "area"
        return Response(bar_chart(_register().stats(who), by, "svg"), media_type="image/svg+xml")

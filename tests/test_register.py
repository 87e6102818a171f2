"""The major-hazard register: the closed loop to 销号, who may do what, no lost updates under
concurrent writers, idempotent and crash-safe ledger import, statistics, escalation and re-judgement.
Runs on SQLite, and on PostgreSQL too when HAZARD_TEST_POSTGRES_URL is set (CI sets it)."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from engine.errors import HazardError
from engine.register import lifecycle as lc
from engine.register.service import Actor, Register

PG = os.environ.get("HAZARD_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG else [])
if os.environ.get("CI") and not PG:
    raise RuntimeError("CI must run the register tests on PostgreSQL too (.ci/run sets HAZARD_TEST_POSTGRES_URL)")

MAJOR = {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨", "充装使用万向管道充装系统": "否"}
INSPECTOR = Actor("检查员甲", "inspector")
ADMIN = Actor("区政府", "admin")
LEAD = Actor("应急局张", "department", department="应急管理局")
OTHER = Actor("住建局李", "department", department="住房和城乡建设局")
TOWN = Actor("园区王", "town", area="乌达工业园区")
OTHER_TOWN = Actor("镇赵", "town", area="乌兰淖尔镇")
PLAN = {"measures": "安装万向管道充装系统", "funds": "20万元", "responsible": "王五", "deadline": "2026-09-01"}


def _fresh_url(tmp_path: Path, backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'register.db'}"
    import sqlalchemy as sa

    name = f"t{os.getpid()}_{time.monotonic_ns()}"
    eng = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return PG.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=BACKENDS)
def reg(request, tmp_path):
    return Register(_fresh_url(tmp_path, request.param))


def _add(reg: Register, facts=MAJOR, area="乌达工业园区", **extra) -> dict:
    data = {"unit": {"name": extra.pop("unit", "甲化工有限公司"), "area": area}, "channel": "督导检查发现",
            "found_on": extra.pop("found_on", "2026-08-01"), "sector": "chemicals", "facts": facts, **extra}
    return reg.add_finding(INSPECTOR, data)


def test_registering_a_major_finding_keeps_its_judgement_and_route(reg):
    res = _add(reg)
    assert res["verdict"] == "major" and res["hazard"]
    h = reg.show(ADMIN, res["hazard"])
    assert h["status"] == lc.REGISTERED and h["lead"] == "应急管理局"
    assert h["clauses"] == [{"document": "CHEM-2017", "number": "安监总管三〔2017〕121号", "clause": "七"}]
    assert h["judgement"]["hazards"][0]["clause"] == "七" and h["rulebase_version"]
    not_major = _add(reg, {"充装介质": "液氨", "充装使用万向管道充装系统": "是"}, unit="乙公司")
    assert not_major["hazard"] is None and not_major["verdict"] == "not_major"


def test_the_closed_loop_to_closure_with_review_and_a_return(reg):
    hid = _add(reg)["hazard"]
    reg.transition(INSPECTOR, hid, "移交")
    reg.transition(LEAD, hid, "整改", PLAN)
    reg.transition(LEAD, hid, "申请销号", {"evidence": "验收报告"})
    back = reg.transition(LEAD, hid, "退回", {"reason": "未提供验收材料原件"})
    assert back["status"] == lc.RECTIFYING
    reg.transition(LEAD, hid, "申请销号", {"evidence": "验收报告原件"})
    done = reg.transition(LEAD, hid, "销号", {"reviewer": "应急局复核组"})
    assert done["status"] == lc.CLOSED and done["closed_on"]
    assert lc.replay(reg.audit(hid)) == lc.CLOSED
    assert [e["action"] for e in done["events"]] == ["登记", "移交", "整改", "申请销号", "退回", "申请销号", "销号"]


@pytest.mark.parametrize("actor,action,data,code", [
    (TOWN, "移交", {}, "forbidden"),
    (OTHER, "整改", PLAN, "not_found"),  # another department cannot even see it
    (INSPECTOR, "销号", {"reviewer": "x"}, "forbidden"),
    (LEAD, "整改", {"measures": "x"}, "missing_field"),
    (LEAD, "飞升", {}, "unknown_action"),
])
def test_who_may_do_what(reg, actor, action, data, code):
    hid = _add(reg)["hazard"]
    reg.transition(INSPECTOR, hid, "移交")
    with pytest.raises(HazardError) as err:
        reg.transition(actor, hid, action, data)
    assert err.value.code == code


def test_reads_follow_roles(reg):
    hid = _add(reg)["hazard"]
    _add(reg, area="乌兰淖尔镇", unit="丙公司")
    assert {h["id"] for h in reg.list_hazards(LEAD)} >= {hid}
    assert reg.list_hazards(OTHER) == []
    with pytest.raises(HazardError) as err:
        reg.show(OTHER, hid)
    assert err.value.status == 404
    assert [h["area"] for h in reg.list_hazards(TOWN)] == ["乌达工业园区"]
    assert [h["area"] for h in reg.list_hazards(OTHER_TOWN)] == ["乌兰淖尔镇"]
    assert "principal" in reg.show(LEAD, hid)["unit"] and "principal" not in reg.show(TOWN, hid)["unit"]


def test_a_stale_version_is_a_409_with_the_current_state(reg):
    hid = _add(reg)["hazard"]
    seen = reg.show(INSPECTOR, hid)["version"]
    reg.transition(INSPECTOR, hid, "移交", expected_version=seen)
    with pytest.raises(HazardError) as err:
        reg.transition(ADMIN, hid, "挂牌督办", {"level": "区级", "authority": "区政府", "deadline": "2026-09-30"},
                       expected_version=seen)
    assert err.value.status == 409 and "已移交" in err.value.message


def test_concurrent_writers_lose_no_update(reg):
    ids = [_add(reg, unit=f"单位{i}")["hazard"] for i in range(4)]
    for hid in ids:
        reg.transition(INSPECTOR, hid, "移交")
    ok, conflicts, errors = [], [], []

    def writer(n: int) -> None:
        for i in range(60):
            hid = ids[(n + i) % len(ids)]
            try:
                version = reg.show(ADMIN, hid)["version"]
                reg.transition(ADMIN, hid, "通知主要负责人", {"notified": f"w{n}-{i}"}, expected_version=version)
                ok.append(hid)
            except HazardError as exc:
                (conflicts if exc.status == 409 else errors).append(exc)
            except Exception as exc:  # e.g. database locked: must not happen
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    for hid in ids:  # every accepted write is one version step and one audit event
        h = reg.show(ADMIN, hid)
        notified = [e for e in h["events"] if e["action"] == "通知主要负责人"]
        assert h["version"] == 2 + len(notified)
        assert len(notified) == ok.count(hid)
    assert len(ok) + len(conflicts) == 8 * 60 and ok


ACTIONS = st.lists(st.tuples(st.sampled_from([INSPECTOR, ADMIN, LEAD, OTHER, TOWN]), st.sampled_from(sorted(lc.ACTIONS))),
                   max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ACTIONS)
def test_random_actions_never_reach_an_illegal_state_and_the_trail_replays(tmp_path_factory, steps):
    reg = Register(f"sqlite:///{tmp_path_factory.mktemp('r') / 'p.db'}")
    hid = _add(reg)["hazard"]
    data = {**PLAN, "evidence": "e", "reviewer": "r", "reason": "x", "level": "区级", "authority": "区政府",
            "notified": "是"}
    for actor, action in steps:
        before = reg.show(ADMIN, hid)["status"]
        try:
            after = reg.transition(actor, hid, action, data)["status"]
        except HazardError as exc:
            assert exc.status in (403, 404, 409, 422)
            assert reg.show(ADMIN, hid)["status"] == before
            continue
        spec = lc.ACTIONS[action]
        assert before in spec.sources and actor.role in spec.roles
        assert after == (spec.target or before)
    assert lc.replay(reg.audit(hid)) == reg.show(ADMIN, hid)["status"]


def test_escalation_steps_once_each_and_stats(reg):
    hid = _add(reg)["hazard"]
    reg.transition(INSPECTOR, hid, "移交")
    reg.transition(LEAD, hid, "整改", PLAN)
    first = reg.escalate(dt.date(2026, 9, 20))
    assert first == [{"hazard": hid, "days_late": 19, "steps": ["函告", "通报"], "lead": "应急管理局"}]
    assert reg.escalate(dt.date(2026, 9, 20)) == []
    assert reg.escalate(dt.date(2026, 11, 5))[0]["steps"] == ["约谈", "曝光"]
    stats = reg.stats(ADMIN, dt.date(2026, 11, 5))
    assert stats["total"] == 1 and stats["overdue"] == 1 and stats["by"]["area"]["乌达工业园区"]["open"] == 1
    assert stats["by"]["clause"]["安监总管三〔2017〕121号 七"]["total"] == 1
    assert reg.list_hazards(ADMIN, overdue_on=dt.date(2026, 9, 2))[0]["id"] == hid


def test_rejudge_reports_differences_without_rewriting(reg, monkeypatch):
    res = _add(reg)
    assert reg.rejudge(ADMIN) == []
    from engine import pipeline as judge_module  # the register judges through the pipeline

    real = judge_module.judge

    def changed(sector, facts, as_of=None, **kw):
        j = real(sector, {**facts, "充装使用万向管道充装系统": "是"}, as_of, **kw)
        return j

    monkeypatch.setattr(judge_module, "judge", changed)
    diff = reg.rejudge(ADMIN)
    assert diff and diff[0]["change"] == "不再构成重大事故隐患" and diff[0]["finding_id"] == res["finding_id"]
    assert reg.show(ADMIN, res["hazard"])["judgement"]["verdict"] == "major"  # the snapshot stands
    with pytest.raises(HazardError):
        reg.rejudge(INSPECTOR)


@pytest.mark.parametrize("data,code", [
    ({"channel": "路边听说"}, "bad_channel"),
    ({"found_on": "2026-02-30"}, "bad_date"),
    ({"found_on": "2999-01-01"}, "bad_date"),
    ({"sector": "nope"}, "unknown_sector"),
    ({"facts": {"不存在": "是"}}, "unknown_fact"),
    ({"unit": {"name": "甲", "credit_code": "123"}}, "bad_credit_code"),
    ({"unit": {"name": ""}}, "missing_field"),
])
def test_bad_input_names_the_field(reg, data, code):
    base = {"unit": {"name": "甲"}, "channel": "督导检查发现", "found_on": "2026-08-01", "sector": "chemicals",
            "facts": MAJOR}
    with pytest.raises(HazardError) as err:
        reg.add_finding(INSPECTOR, {**base, **data})
    assert err.value.code == code


def _ledger(rows: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["单位名称", "镇街园区", "来源渠道", "发现日期", "行业", "事实", "行键"])
    for i in range(rows):
        facts = "被检查单位类别=危险化学品生产单位；充装对象=汽车罐车或铁路罐车（槽车）；充装介质=液氨；充装使用万向管道充装系统=否" if i % 2 == 0 else "充装介质=液氨；充装使用万向管道充装系统=是"
        ws.append([f"单位{i}", "乌达工业园区", "企业自查上报", "2026-08-01", "chemicals", facts, f"k{i}"])
    ws.append(["坏行", "乌达工业园区", "企业自查上报", "2026-08-01", "chemicals", "不存在的事实=是", "bad"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_ledger_import_is_idempotent_and_reports_bad_rows_and_exports(reg):
    from engine.register import ledger

    report = ledger.import_ledger(reg, INSPECTOR, _ledger(6))
    assert (report["added"], report["major"]) == (6, 3)
    assert [(e["row"], e["code"]) for e in report["errors"]] == [(8, "unknown_fact")]
    again = ledger.import_ledger(reg, INSPECTOR, _ledger(6))
    assert (again["added"], again["existing"]) == (0, 6)
    rows = list(load_workbook(io.BytesIO(ledger.export_ledger(reg, ADMIN))).active.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and len(rows) == 4 and all(r[8] == lc.REGISTERED for r in rows[1:])


def test_kill_during_import_keeps_whole_rows_and_rerun_completes(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    sheet = tmp_path / "ledger.xlsx"
    sheet.write_bytes(_ledger(400))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    cmd = [sys.executable, "-m", "engine.cli", "register", "--database", url, "--role", "inspector", "import", str(sheet)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reg = Register(url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(reg.list_hazards(ADMIN, limit=1000)) < 20:
        time.sleep(0.2)
    proc.kill()  # SIGKILL mid-import
    proc.wait()
    import sqlalchemy as sa

    with reg.engine.connect() as c:
        findings = c.execute(sa.text("select count(*) from findings")).scalar()
        orphans = c.execute(sa.text("select count(*) from findings f where not exists "
                                    "(select 1 from snapshots s where s.finding_id = f.id)")).scalar()
    assert 0 < findings < 400 and orphans == 0
    from engine.register import ledger

    report = ledger.import_ledger(reg, INSPECTOR, sheet.read_bytes())
    assert report["existing"] == findings and report["added"] == 400 - findings

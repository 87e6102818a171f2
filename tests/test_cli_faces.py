"""`hazard ask` (the question loop, driven through its input stream) and `hazard judge --sheet`."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from engine import cli


def test_ask_loop_reaches_a_verdict_and_prints_the_command(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("也许\n否\n"))
    assert cli.main(["ask", "--sector", "chemicals", "--fact", "被检查单位类别=危险化学品生产单位",
                     "--fact", "充装对象=汽车罐车或铁路罐车（槽车）", "--fact", "充装介质=液氨",
                     "--as-of", "2026-08-01"]) == 0
    out = capsys.readouterr().out
    assert "请重新回答" in out  # an unreadable answer is asked again, not dropped
    assert "判定结论：重大事故隐患" in out and "七" in out
    assert ("复现命令：hazard judge --sector chemicals --as-of 2026-08-01 --fact '被检查单位类别=危险化学品生产单位' "
            "--fact '充装对象=汽车罐车或铁路罐车（槽车）' --fact '充装介质=液氨' --fact '充装使用万向管道充装系统=否'") in out


def test_ask_skip_and_stop(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("不清楚\n\n"))
    assert cli.main(["ask", "--sector", "chemicals", "--fact", "充装介质=液氨", "--as-of", "2026-08-01"]) == 0
    assert "判定结论：信息不足" in capsys.readouterr().out
    assert cli.main(["ask", "--sector", "nope"]) == 2


def test_sheet_is_judged_row_by_row_and_keeps_bad_rows(tmp_path, capsys):
    wb = Workbook()
    ws = wb.active
    ws.append(["单位", "行业", "检查日期", "事实"])
    ws.append(["甲", "chemicals", "2026-08-01", "被检查单位类别=危险化学品生产单位；充装对象=汽车罐车或铁路罐车（槽车）；充装介质=液氨；充装使用万向管道充装系统=否"])
    ws.append(["乙", "化工和危险化学品", "2026-08-01", "充装介质=液氨"])
    ws.append(["丙", "chemicals", "2026-13-01", "充装介质=液氨"])
    src = tmp_path / "f.xlsx"
    wb.save(src)
    assert cli.main(["judge", "--sheet", str(src)]) == 0
    out = capsys.readouterr().out
    assert "重大事故隐患 1 行" in out and "错误 1 行" in out
    rows = list(load_workbook(tmp_path / "f-判定结果.xlsx").active.iter_rows(values_only=True))
    head = rows[0]
    assert [r[head.index("单位")] for r in rows[1:]] == ["甲", "乙", "丙"]
    assert rows[2][head.index("结论")] == "信息不足" and rows[2][head.index("需补充的问题")]
    assert "bad_date" in rows[3][head.index("错误")]
    csv = tmp_path / "g.csv"
    csv.write_text("行业,事实\nchemicals,被检查单位类别=危险化学品生产单位；充装对象=汽车罐车或铁路罐车（槽车）；充装介质=液氨；充装使用万向管道充装系统=否\n", encoding="utf-8-sig")
    assert cli.main(["judge", "--sheet", str(csv), "-o", str(tmp_path / "g.xlsx")]) == 0
    assert cli.main(["judge", "--sheet", str(tmp_path / "missing.xlsx")]) == 2
    (tmp_path / "bad.xlsx").write_bytes(b"nope")
    assert cli.main(["judge", "--sheet", str(tmp_path / "bad.xlsx")]) == 2

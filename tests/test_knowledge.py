"""The knowledge base as a whole and the chemicals documents: exact clause texts against
../shared/criteria, complete coverage of CHEM-2017, and that every kind of broken knowledge file
stops start-up with a message naming the file, the rule and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from engine import cli, knowledge
from engine.errors import KnowledgeError

ROOT = Path(__file__).resolve().parent.parent / "knowledge"
KB = knowledge.default()


# ---- chemicals against the shared criteria -------------------------------------------------

@pytest.fixture(scope="module")
def shared_chemicals(shared_criteria) -> dict:
    data = yaml.safe_load((shared_criteria / "chemicals.yaml").read_text(encoding="utf-8"))
    return {d["id"]: d for d in data["documents"]}


def test_chem_2017_clause_texts_equal_the_shared_text_exactly(shared_chemicals):
    shared = {c["no"]: c["text"] for c in shared_chemicals["CHEM-2017"]["clauses"]}
    ours = {c.no: c.text for c in KB.documents["CHEM-2017"].clauses}
    assert list(ours) == list(shared), "条款编号或顺序与 shared 不一致"
    for no, text in shared.items():
        assert ours[no] == text, f"条款 {no} 与 shared 原文不一致"


def test_chem_2017_metadata_matches_the_shared_record(shared_chemicals):
    shared = shared_chemicals["CHEM-2017"]
    doc = KB.documents["CHEM-2017"]
    assert (doc.title, doc.number, doc.preamble) == (shared["title"], shared["number"], shared["preamble"])
    assert str(doc.published) == shared["published"]


def test_every_chem_2017_clause_has_a_major_hazard_rule():
    doc = KB.documents["CHEM-2017"]
    assert len(doc.clauses) == 20
    covered = {r.clause for r in doc.rules if r.then.kind == "major_hazard"}
    assert covered == {c.no for c in doc.clauses}


def test_aq3067_is_registered_not_encoded_from_its_effective_date(shared_chemicals):
    shared = shared_chemicals["CHEM-AQ3067-2026"]
    doc = KB.documents["CHEM-AQ3067-2026"]
    assert doc.status == "not_encoded" and not doc.rules
    assert (doc.number, str(doc.effective)) == (shared["number"], shared["effective"])


def test_every_rule_is_cited_by_name_or_clause_in_a_chemicals_scenario():
    text = "".join(p.read_text(encoding="utf-8") for p in (ROOT.parent / "features" / "chemicals").glob("*.feature"))
    missing = [r.id for r in KB.documents["CHEM-2017"].rules if r.then.kind == "major_hazard" and r.id not in text]
    assert not missing, f"这些规则没有构成场景：{missing}"


# ---- a broken knowledge file stops start-up with a clear message ---------------------------

def _broken(tmp_path: Path, edit) -> Path:
    """A copy of the chemicals knowledge with one file edited by `edit(text) -> text`."""
    root = tmp_path / "knowledge"
    shutil.copytree(ROOT / "chemicals", root / "chemicals")
    path = root / "chemicals" / "CHEM-2017.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return root


def test_an_intact_copy_loads(tmp_path):
    kb = knowledge.load(_broken(tmp_path, lambda t: t))
    assert len(kb.documents["CHEM-2017"].rules) == len(KB.documents["CHEM-2017"].rules)


@pytest.mark.parametrize("edit, rule, problem", [
    (lambda t: t.replace("{fact: universal_filling_system, is: false}", "{fact: universal_filing_system, is: false}"),
     "CHEM-2017-07", "不存在的事实 “universal_filing_system”"),
    (lambda t: t.replace("id: CHEM-2017-02\n", "id: CHEM-2017-01a\n"), "CHEM-2017-01a", "规则 id 重复"),
    (lambda t: t.replace("{fact: special_workers_certified, is: false}", "{fact: special_workers_certified, is: 否}"),
     "CHEM-2017-02", "只能写 is: true/false"),
    (lambda t: t.replace("{fact: filling_medium, in: [液化烃, 液氨, 液氯, 其他易燃易爆或有毒有害液化气体]}",
                         "{fact: filling_medium, in: [液化烃, 液氨, 汽油]}"), "CHEM-2017-07", "没有取值 ['汽油']"),
    (lambda t: t.replace("situation: 特种作业人员未持证上岗", "situation: 特种作业人员无证上岗"),
     "CHEM-2017-02", "与条款 二 的条文不一致"),
    (lambda t: t.replace("{fact: uses_eliminated_tech, is: true}", "{fact: uses_eliminated_tech, ge: 1}"),
     "CHEM-2017-11", "不能用数值运算符 ge"),
    (lambda t: t.replace("    clause: 七\n", "    clause: 二十一\n"), "CHEM-2017-07", "“二十一” 不在本文件的条款中"),
])
def test_broken_rule_names_file_rule_and_problem(tmp_path, edit, rule, problem):
    with pytest.raises(KnowledgeError) as info:
        knowledge.load(_broken(tmp_path, edit))
    message = str(info.value)
    assert "CHEM-2017.yaml" in message and rule in message and problem in message, message


@pytest.mark.parametrize("edit, problem", [
    (lambda t: t.replace("  - no: 七\n    text: 液化烃、液氨、液氯等易燃易爆、有毒有害液化气体的充装未使用万向管道充装系统。\n",
                         "  - no: 七\n    text: 液化烃、液氨、液氯等易燃易爆、有毒有害液化气体的充装未使用万向管道充装系统。\n"
                         "  - no: 二十一\n    text: 虚构的条款。\n"), "条款 二十一 标为已编码，但没有任何规则编码它"),
    (lambda t: t.replace("rules:\n", "rules: [\n", 1), "YAML 语法错误"),
    (lambda t: t.replace("effective: 2017-11-13\n", "effective: 2017-13-45\n"), "effective"),
    (lambda t: t.replace("then: {derive: two_key_one_major}", "then: {derive: key_process}"), "derived: true"),
])
def test_broken_document_names_file_and_problem(tmp_path, edit, problem):
    with pytest.raises(KnowledgeError) as info:
        knowledge.load(_broken(tmp_path, edit))
    assert "CHEM-2017.yaml" in str(info.value) and problem in str(info.value), str(info.value)


def test_derivation_cycle_is_rejected(tmp_path):
    def edit(text):
        return text.replace("        - {fact: key_process, is: true}\n        - {fact: key_chemical, is: true}",
                            "        - {fact: two_key_one_major, is: true}\n        - {fact: key_chemical, is: true}", 1)
    with pytest.raises(KnowledgeError, match="推导循环"):
        knowledge.load(_broken(tmp_path, edit))


def test_overlapping_editions_are_rejected(tmp_path):
    root = _broken(tmp_path, lambda t: t.replace("source: ../shared", "expires: 2026-12-31\nsource: ../shared", 1))
    aq = root / "chemicals" / "CHEM-AQ3067-2026.yaml"
    aq.write_text(aq.read_text(encoding="utf-8").replace("status: not_encoded", "replaces: CHEM-2017\nstatus: not_encoded"),
                  encoding="utf-8")
    with pytest.raises(KnowledgeError, match="施行期重叠"):
        knowledge.load(root)


def test_duplicate_vocabulary_label_is_rejected(tmp_path):
    root = _broken(tmp_path, lambda t: t)
    (root / "chemicals" / "vocabulary-extra.yaml").write_text(
        "facts:\n  - {id: other_fact, label: 充装介质, type: bool, question: 重复的中文名？}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="充装介质"):
        knowledge.load(root)


def test_hazard_check_reports_a_broken_knowledge_base_and_exits_nonzero(tmp_path, capsys):
    root = _broken(tmp_path, lambda t: t.replace("{fact: universal_filling_system, is: false}",
                                                 "{fact: nonexistent_fact, is: false}"))
    code = cli.main(["check", "--path", str(root)])
    err = capsys.readouterr().err
    assert code == 3
    assert "knowledge_invalid" in err and "CHEM-2017-07" in err and "nonexistent_fact" in err

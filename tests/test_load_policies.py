"""The load_policies command: what lands in the database, re-runs, dry runs and bad input."""

import io
import shutil
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from deadlines.choices import DeadlineSource
from deadlines.models import Deadline, Milestone
from tasks.choices import TaskStatus
from tasks.models import Plan, Section, Task, TaskUnit
from units.choices import UnitRole
from units.models import Unit, UnitAlias

from .conftest import HUNAN, LENGSHUITAN, POLICIES_DIR, XIANGTAN, XIANGXI, XIANGYANG, make_unit

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("load_policies", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def database_snapshot() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Plan, Section, Task, TaskUnit, Unit, UnitAlias, Deadline, Milestone)
    } | {"history": Task.history.count() + Deadline.history.count()}


def test_loads_the_five_plans_with_their_task_counts(imported_plans):
    counts = {name: plan.tasks.count() for name, plan in imported_plans.items()}
    assert counts == {XIANGXI: 40, XIANGYANG: 31, HUNAN: 63, LENGSHUITAN: 19, XIANGTAN: 10}


def test_plan_metadata_comes_from_the_document(imported_plans):
    xiangxi = imported_plans[XIANGXI]
    assert xiangxi.title == "湘西自治州2020年深化“放管服”改革优化营商环境工作计划"
    assert xiangxi.doc_number == "州政发〔2020〕5号"
    assert xiangxi.issuer == "湘西自治州人民政府"
    assert xiangxi.issued_on == date(2020, 2, 22)
    assert xiangxi.year == 2020
    hunan = imported_plans[HUNAN]
    assert hunan.title == "湖南省2021年深化“放管服”改革优化营商环境重点任务分工方案"
    assert (hunan.doc_number, hunan.issued_on, hunan.year) == ("", date(2021, 3, 10), 2021)
    assert imported_plans[LENGSHUITAN].doc_number == "冷优组发〔2021〕3号"
    assert imported_plans[XIANGYANG].issuer == "襄阳市人民政府办公室"


def test_raw_source_text_is_kept_verbatim(imported_plans):
    raw = (POLICIES_DIR / XIANGXI).read_text(encoding="utf-8")
    assert imported_plans[XIANGXI].source_text == raw
    task = imported_plans[XIANGXI].tasks.get(number=1)
    assert "發(fā)" not in task.body and "放权" in task.body
    assert task.source_text.startswith("1.加大簡政放權力度")


def test_units_are_shared_across_plans_and_tasks(imported_plans):
    assert Unit.objects.filter(name="州行政审批服务局").count() == 1
    unit = Unit.objects.get(name="州行政审批服务局")
    assert Task.objects.led_by(unit).filter(plan=imported_plans[XIANGXI]).count() == 9


def test_starter_aliases_merge_two_spellings_of_one_bank(imported_plans):
    bank = Unit.objects.get(name="人民银行湘西州中心支行")
    assert not Unit.objects.filter(name="人行湘西州中心支行").exists()
    task_28 = imported_plans[XIANGXI].tasks.get(number=28)
    assert bank in task_28.lead_units


def test_group_names_are_marked_collective(imported_plans):
    assert Unit.objects.get(name="州直相关部门").is_collective
    assert Unit.objects.get(name="各县市人民政府").is_collective
    assert not Unit.objects.get(name="州司法局").is_collective


def test_deadlines_and_defaults_are_stored_with_their_source(imported_plans):
    xiangxi_1 = imported_plans[XIANGXI].tasks.get(number=1).deadline
    assert (xiangxi_1.due_on, xiangxi_1.text, xiangxi_1.source) == (
        date(2020, 6, 30),
        "6月底完成",
        DeadlineSource.DOCUMENT,
    )
    xiangyang_1 = imported_plans[XIANGYANG].tasks.get(number=1).deadline
    assert (xiangyang_1.due_on, xiangyang_1.source) == (
        date(2020, 12, 31),
        DeadlineSource.PLAN_DEFAULT,
    )
    ongoing = imported_plans[LENGSHUITAN].tasks.get(number=4).deadline
    assert ongoing.is_ongoing and ongoing.due_on is None
    hunan_1 = imported_plans[HUNAN].tasks.get(number=1).deadline
    assert [m.due_on for m in hunan_1.milestones.all()] == [date(2021, 9, 30)]


def test_summary_reports_tasks_units_deadlines_and_warnings(db):
    output = run(POLICIES_DIR / XIANGXI)
    assert "任务 40 项" in output
    assert "单位 新增" in output and "已有" in output
    assert "完成时限:文件规定 40" in output
    assert "任务3:" in output  # the mojibake in task 3 is reported


def test_rerun_on_unchanged_documents_changes_nothing(imported_plans):
    before = database_snapshot()
    stamps = list(Task.objects.order_by("pk").values_list("updated_at", flat=True))
    output = run()
    assert output.count("— 未变化") == 5
    assert database_snapshot() == before
    assert list(Task.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_reimport_of_changed_document_keeps_progress_and_manual_edits(db, tmp_path):
    document = tmp_path / LENGSHUITAN
    shutil.copy(POLICIES_DIR / LENGSHUITAN, document)
    run(document)
    task = Task.objects.get(plan__source_file=LENGSHUITAN, number=2)
    task.status, task.progress = TaskStatus.IN_PROGRESS, 40
    task.save()
    manual_unit = make_unit("区政务服务中心")
    TaskUnit.objects.create(
        task=task, unit=manual_unit, role=UnitRole.RESPONSIBLE, position=9, from_document=False
    )
    deadline_13 = Deadline.objects.get(task__plan__source_file=LENGSHUITAN, task__number=13)
    deadline_13.due_on, deadline_13.source = date(2021, 8, 31), DeadlineSource.MANUAL
    deadline_13.save()

    text = document.read_text(encoding="utf-8")
    text = text.replace("开设小微企业区长热线电话和信箱", "开设小微企业区长热线电话、信箱和网站")
    text = text.replace(
        "(牵头单位:区科工信局;责任单位:相关区直单位;完成时限:2021年4月底。)",
        "(牵头单位:区科工信局;责任单位:相关区直单位;完成时限:2021年5月底。)",
    )
    document.write_text(text, encoding="utf-8")
    output = run(document)

    assert "更新" in output
    task.refresh_from_db()
    assert "网站" in task.body
    assert (task.status, task.progress) == (TaskStatus.IN_PROGRESS, 40)
    assert manual_unit in task.responsible_units
    deadline_13.refresh_from_db()
    assert (deadline_13.due_on, deadline_13.source) == (date(2021, 8, 31), DeadlineSource.MANUAL)
    assert Task.objects.filter(plan__source_file=LENGSHUITAN).count() == 19
    assert Plan.objects.count() == 1


def test_dry_run_prints_the_tasks_and_writes_nothing(db):
    before = database_snapshot()
    output = run("--dry-run", POLICIES_DIR / XIANGTAN)
    assert "[试运行]" in output
    assert "1. 揭榜竞优,树立政务服务样板" in output
    assert "牵头:市行政审批局" in output
    assert database_snapshot() == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "空"),
        (b"   \n\t\n", "空"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", ""),
        (b"\xff\xfe\xfa\xfb\x80\x81" * 20, ""),
        ("关于召开会议的通知\n各单位:\n定于下周一开会。\n".encode(), "任务"),
    ],
    ids=["empty", "whitespace", "binary", "not-text", "no-tasks"],
)
def test_bad_file_fails_with_its_name_and_writes_nothing(db, tmp_path, content, reason):
    bad = tmp_path / "bad-plan.txt"
    bad.write_bytes(content)
    before = database_snapshot()
    with pytest.raises(CommandError) as error:
        run(POLICIES_DIR / XIANGTAN, bad)
    assert "bad-plan.txt" in str(error.value)
    assert reason in str(error.value)
    assert database_snapshot() == before


def test_missing_directory_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        run(tmp_path / "no-such-folder")


def test_gb18030_encoded_document_imports_like_utf8(db, tmp_path):
    document = tmp_path / "xiangtan-gb18030.txt"
    document.write_bytes((POLICIES_DIR / XIANGTAN).read_text(encoding="utf-8").encode("gb18030"))
    run(document)
    plan = Plan.objects.get(source_file="xiangtan-gb18030.txt")
    assert plan.tasks.count() == 10
    assert plan.title.startswith("湘潭市2022年纵深推进")


def test_renamed_unit_in_the_alias_file_warns_and_imports_go_on(imported_plans, tmp_path):
    """The office renamed the bank; the shared CSV still maps its alias to the old name."""
    bank = Unit.objects.get(name="人民银行湘西州中心支行")
    bank.name = "中国人民银行湘西州分行"
    bank.save()
    changed = tmp_path / XIANGXI
    changed.write_text(
        (POLICIES_DIR / XIANGXI).read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )

    output = run(changed)

    assert "湘西" in output and "更新" in output  # the plan was imported
    assert "unit_aliases.csv 第2行(人民银行湘西州中心支行,人行湘西州中心支行)" in output
    assert "已更名为“中国人民银行湘西州分行”" in output
    assert UnitAlias.objects.get(name="人行湘西州中心支行").unit == bank


def test_alias_row_conflicting_with_the_database_is_ignored_with_a_warning(
    imported_plans, tmp_path
):
    aliases = tmp_path / "aliases.csv"
    aliases.write_text(
        "unit,alias,region\n州税务局,人行湘西州中心支行,433100\n州税务局,州税务,433100\n",
        encoding="utf-8",
    )
    output = run(POLICIES_DIR / XIANGTAN, "--aliases", aliases)
    assert "aliases.csv 第2行(州税务局,人行湘西州中心支行)" in output
    assert "已属于“湘西州 · 人民银行湘西州中心支行”,本行已忽略" in output
    assert UnitAlias.objects.get(name="人行湘西州中心支行").unit.name == "人民银行湘西州中心支行"
    assert UnitAlias.objects.get(name="州税务").unit.name == "州税务局"  # other rows still load

"""load_policies with Word, PDF, web page and Excel files; bad files stop with the reason."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tasks.importer import parse_document
from tasks.models import Plan, Task, TaskUnit
from units.models import Unit

from .conftest import HUNAN, XIANGTAN
from .document_builders import docx_from_text, xlsx_from_plan

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("load_policies", *[str(a) for a in args], "--aliases", "", stdout=out)
    return out.getvalue()


def rows() -> tuple[int, ...]:
    return (
        Plan.objects.count(),
        Task.objects.count(),
        TaskUnit.objects.count(),
        Unit.objects.count(),
    )


def test_folder_of_word_and_excel_files_is_imported(tmp_path):
    text = (settings.POLICY_FIXTURES_DIR / XIANGTAN).read_text(encoding="utf-8")
    (tmp_path / "xiangtan.docx").write_bytes(docx_from_text(text))
    (tmp_path / "hunan.xlsx").write_bytes(
        xlsx_from_plan(parse_document((settings.POLICY_FIXTURES_DIR / HUNAN).read_text()))
    )
    (tmp_path / "notes.md").write_text("not a plan")

    output = run(tmp_path)

    plans = {plan.source_file: plan.tasks.count() for plan in Plan.objects.all()}
    assert plans == {"xiangtan.docx": 10, "hunan.xlsx": 63}
    assert "xiangtan.docx: 湘潭市2022年纵深推进" in output


def test_summary_counts_the_tasks_without_a_lead_unit_as_warnings(tmp_path):
    output = run(settings.POLICY_FIXTURES_DIR / HUNAN)

    assert "提示 23 条" in output
    assert output.count("未写明牵头单位,请指定牵头单位") == 23
    flagged = [t for t in Task.objects.exclude(warnings=[]) if "未写明牵头单位" in t.warnings[0]]
    assert len(flagged) == 23
    assert all(not t.task_units.filter(role="lead").exists() for t in flagged)


def test_bad_file_stops_the_run_naming_the_file_and_writes_nothing(tmp_path):
    good = tmp_path / "a-good.txt"
    good.write_text((settings.POLICY_FIXTURES_DIR / XIANGTAN).read_text(encoding="utf-8"))
    liar = tmp_path / "b-plan.pdf"
    liar.write_bytes(docx_from_text("1.任务"))

    with pytest.raises(CommandError) as raised:
        run(tmp_path)

    assert "b-plan.pdf" in str(raised.value)
    assert "扩展名是 .pdf,内容却是Word(.docx)格式" in str(raised.value)
    assert rows() == (0, 0, 0, 0)


def test_file_of_50_mb_is_refused_without_reading_it(tmp_path):
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)

    with pytest.raises(CommandError, match=r"huge\.pdf: 文件过大\(50\.0 MB"):
        run(huge)
    assert rows() == (0, 0, 0, 0)


def test_year_option_is_needed_for_a_document_without_a_year(tmp_path):
    plan = tmp_path / "measures.txt"
    plan.write_text(
        "优化营商环境若干措施\n一、提升审批效率\n"
        "1.压缩企业开办时间。(牵头单位:市市场监管局;完成时限:6月底)\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="measures.txt: 文件中没有写明方案年度"):
        run(plan)

    run(plan, "--year", "2019", "--region", "湘潭市")  # no place in it: the government is given

    assert Plan.objects.get().year == 2019
    assert str(Task.objects.get().deadline.due_on) == "2019-06-30"


def test_dry_run_on_an_unmigrated_database_says_so(tmp_path):
    database = tmp_path / "empty.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    completed = subprocess.run(
        [sys.executable, "manage.py", "load_policies", "--dry-run",
         str(settings.POLICY_FIXTURES_DIR / XIANGTAN)],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert completed.returncode != 0
    assert "数据库尚未迁移" in completed.stderr and "migrate" in completed.stderr
    assert "Traceback" not in completed.stderr

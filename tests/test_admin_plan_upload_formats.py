"""Admin upload of Word, PDF, web page and Excel files; the preview's query count; no-lead warnings."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from regions.models import Region
from tasks.importer import parse_document
from tasks.models import Plan, Task, TaskUnit
from tasks.services import plan_import, plan_import_preview
from units.models import Unit

from .conftest import HUNAN, XIANGTAN, make_unit
from .document_builders import docx_from_text, xlsx_from_plan

pytestmark = pytest.mark.django_db
UPLOAD = reverse("admin:tasks_plan_upload")
CHANGELIST = reverse("admin:tasks_task_changelist")


def fixture_text(name: str) -> str:
    return (settings.POLICY_FIXTURES_DIR / name).read_text(encoding="utf-8")


def row_counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Plan, Task, TaskUnit, Unit))


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


def post_file(client, name: str, data: bytes, **extra):
    return client.post(UPLOAD, {"document": SimpleUploadedFile(name, data), **extra})


def test_word_upload_is_previewed_then_imported(office_client):
    response = post_file(office_client, "湘潭十项.docx", docx_from_text(fixture_text(XIANGTAN)))

    assert response.status_code == 200
    assert "湘潭市2022年纵深推进" in response.content.decode()
    assert row_counts() == (0, 0, 0, 0)
    office_client.post(UPLOAD, {"confirm": "1", "hash": response.context["digest"]})

    plan = Plan.objects.get()
    assert (plan.source_file, plan.tasks.count()) == ("湘潭十项.docx", 10)


def test_excel_task_table_upload_is_imported(office_client):
    parsed = parse_document(fixture_text(HUNAN))
    response = post_file(office_client, "分工表.xlsx", xlsx_from_plan(parsed))
    office_client.post(UPLOAD, {"confirm": "1", "hash": response.context["digest"]})

    assert Plan.objects.get().tasks.count() == 63


def test_bad_files_get_a_message_naming_the_file_and_nothing_is_written(office_client):
    cases = {
        "plan.pdf": (b"%PDF-1.7\n1 0 obj << garbage", "plan.pdf:PDF 文件已损坏"),
        "table.xlsx": (b"PK\x03\x04" + b"\x00" * 100, "table.xlsx:Excel 文件已损坏"),
        "liar.docx": (b"%PDF-1.4 ...", "liar.docx:文件扩展名是 .docx,内容却是PDF格式"),
    }
    for name, (data, message) in cases.items():
        response = post_file(office_client, name, data)
        assert message in response.content.decode(), name
    assert row_counts() == (0, 0, 0, 0)
    assert "plan_upload" not in office_client.session


def test_year_field_supplies_a_year_the_document_lacks(office_client):
    text = "优化营商环境若干措施\n一、提升审批效率\n1.压缩企业开办时间。(牵头单位:市市场监管局;完成时限:6月底)\n"
    refused = post_file(office_client, "measures.txt", text.encode())
    assert "文件中没有写明方案年度" in refused.content.decode()

    response = post_file(office_client, "measures.txt", text.encode(), year="2019")
    xiangtan = Region.objects.get(code="430300")  # no place in it: the office chooses
    office_client.post(
        UPLOAD, {"confirm": "1", "hash": response.context["digest"], "region": xiangtan.pk}
    )

    assert Plan.objects.get().year == 2019


def test_preview_lists_tasks_without_a_lead_as_warnings(office_client):
    response = post_file(office_client, HUNAN, fixture_text(HUNAN).encode())

    html = response.content.decode()
    assert "提示(23 条)" in html
    assert html.count("未写明牵头单位,请指定牵头单位") == 2 * 23  # summary and table


def test_no_lead_tasks_are_on_the_warnings_filter_until_a_lead_is_assigned(office_client):
    from .test_admin_task_actions import run_action

    plan_import(
        parsed=parse_document(fixture_text(HUNAN)),
        source_file=HUNAN,
        source_text=fixture_text(HUNAN),
    )
    flagged = Task.objects.filter(plan__source_file=HUNAN).exclude(warnings=[])
    assert flagged.count() == 23
    listed = office_client.get(CHANGELIST, {"has_warnings": "yes"}).context["cl"].result_list
    assert set(listed) == set(flagged)

    task = flagged.order_by("number").first()
    run_action(office_client, "assign_lead_unit", [task], unit=make_unit().pk, replace="0")

    listed = office_client.get(CHANGELIST, {"has_warnings": "yes"}).context["cl"].result_list
    assert task not in listed and len(listed) == 22


def synthetic_plan_text(tasks: int) -> str:
    lines = ["某市2023年优化营商环境重点任务分工方案", "一、提升政务服务"]
    for number in range(1, tasks + 1):
        lines.append(
            f"{number}.推进第{number}项改革事项。(牵头单位:市单位{number % 97};"
            f"责任单位:市单位{(number + 1) % 89}、各县市区人民政府;完成时限:2023年{number % 12 + 1}月底)"
        )
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("tasks", [5, 200])
def test_preview_query_count_does_not_grow_with_the_plan(
    office_client, tasks, django_assert_max_num_queries
):
    text = synthetic_plan_text(tasks)

    # Session, user and groups, the plan lookup, units and aliases: about a dozen, not 15 per task.
    with django_assert_max_num_queries(16):
        response = post_file(office_client, "plan.txt", text.encode())

    assert response.status_code == 200
    assert response.context["result"].tasks_total == tasks


def test_preview_counts_match_a_dry_run_of_the_real_import():
    make_unit("市单位1")
    text = synthetic_plan_text(30)
    parsed = parse_document(text)
    dry = plan_import(parsed=parsed, source_file="plan.txt", source_text=text, dry_run=True)
    assert plan_import_preview(parsed=parsed, source_file="plan.txt", source_text=text) == dry

    plan_import(parsed=parsed, source_file="plan.txt", source_text=text)
    changed = text.replace("推进第3项改革事项", "深化第3项改革事项").replace("30.推进", "30.落实")
    reparsed = parse_document(changed)
    dry = plan_import(parsed=reparsed, source_file="plan.txt", source_text=changed, dry_run=True)
    preview = plan_import_preview(parsed=reparsed, source_file="plan.txt", source_text=changed)
    assert preview == dry and preview.tasks_updated == 2


def test_preview_shows_reporting_rules_apart_from_the_deadline(office_client):
    text = (
        "某县2021年优化营商环境工作方案\n一、提升\n"
        "1.推进一网通办,每月5日前报送工作进展。(牵头单位:县政务中心;完成时限:2021年6月底)\n"
    )
    html = post_file(office_client, "plan.txt", text.encode()).content.decode()

    assert "报送要求:每月5日前报送工作进展" in html
    assert "2021年06月30日" in html


@pytest.mark.parametrize("name", [HUNAN, XIANGTAN, "2020-xiangxi-work-plan.txt"])
def test_preview_of_a_fixture_matches_the_dry_run_before_and_after_other_plans(name):
    text = fixture_text(name)
    parsed = parse_document(text)
    dry = plan_import(parsed=parsed, source_file=name, source_text=text, dry_run=True)
    assert plan_import_preview(parsed=parsed, source_file=name, source_text=text) == dry

    # Units already known from other plans (and their aliases) count as existing.
    from django.core.management import call_command

    call_command("load_policies", verbosity=0, stdout=open("/dev/null", "w"))
    changed = text.replace("。", "。 ", 1)
    reparsed = parse_document(changed)
    dry = plan_import(parsed=reparsed, source_file=name, source_text=changed, dry_run=True)
    assert plan_import_preview(parsed=reparsed, source_file=name, source_text=changed) == dry

"""Printing (issue 16 point 8): 督办单, a task's record and the monthly bulletin as PDF made by
the server's Chromium, for offices that file paper; who may print what; the bulletin's
background job; the links, and what they say on a server without Chromium."""

from datetime import date
from io import BytesIO
from unittest import mock

import pdfplumber
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from deadlines.services import extension_approve, extension_request
from jobs.choices import JobKind, JobStatus
from jobs.models import Job
from printing.pdf import pdf_unavailable_reason
from regions.models import Region
from supervision.choices import NoticeColour
from supervision.models import EscalationNotice, TaskAcknowledgement
from supervision.services import instruction_write, notice_issue
from tasks.services import report_submit

from .conftest import make_plan, make_task, make_unit, make_user

needs_chromium = pytest.mark.skipif(
    pdf_unavailable_reason() is not None, reason=pdf_unavailable_reason() or ""
)


def pdf_text(content: bytes) -> str:
    """All the text of a PDF, without white space (table cells wrap lines anywhere)."""
    assert content.startswith(b"%PDF")
    with pdfplumber.open(BytesIO(content)) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    return "".join(text.split())


def pdf_rows(content: bytes) -> list[list[str]]:
    """Every row of every table in the PDF, each cell without white space."""
    with pdfplumber.open(BytesIO(content)) as pdf:
        return [
            ["".join((cell or "").split()) for cell in row]
            for page in pdf.pages
            for table in page.extract_tables()
            for row in table
        ]


def pages_of(content: bytes) -> int:
    with pdfplumber.open(BytesIO(content)) as pdf:
        return len(pdf.pages)


@pytest.fixture
def bureau(db):
    return make_unit("市行政审批局", region=Region.objects.get(code="430300"))


@pytest.fixture
def issued_notice(bureau, office_user):
    plan = make_plan(
        title="湘潭市优化营商环境测试方案", doc_number="潭政办发〔2022〕7号", year=2022
    )
    task = make_task(plan=plan, number=4, due_on=date(2022, 6, 30), lead_units=[bureau])
    notice = EscalationNotice.objects.create(
        task=task, unit=bureau, colour=NoticeColour.RED, reason="任务已逾期15天,请加快推进。"
    )
    notice_issue(notices=[notice], user=office_user)
    notice.refresh_from_db()
    return notice


# --- 督办单 ------------------------------------------------------------------------------


@needs_chromium
def test_office_downloads_the_notice_as_a_pdf_with_its_number_unit_and_dates(
    client, office_user, issued_notice
):
    client.force_login(office_user)
    response = client.get(reverse("supervision:notice-pdf", args=[issued_notice.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="notice-{issued_notice.pk}.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "督办单" in text
    assert f"督〔{issued_notice.proposed_on:%Y}〕{issued_notice.pk}号" in text
    assert "湘潭市·市行政审批局" in text
    assert "第4项任务" in text and "2022年06月30日" in text  # the deadline
    assert "任务已逾期15天,请加快推进。" in text
    issued_on = timezone.localdate(issued_notice.confirmed_at)
    assert f"{issued_on:%Y}年{issued_on.month}月{issued_on.day}日" in text  # local date
    assert "第1页/共1页" in text  # page numbers
    assert pages_of(response.content) == 1


@needs_chromium
def test_the_receiving_unit_downloads_its_notice_with_the_answer(client, bureau, issued_notice):
    unit_user = make_user(units=[bureau])
    task = issued_notice.task
    TaskAcknowledgement.objects.create(
        task=task, unit=bureau, acknowledged_at=timezone.now(), responsible_person="王五"
    )
    client.force_login(unit_user)
    task.refresh_from_db()
    client.post(
        reverse("supervision:answer", args=[issued_notice.pk]),
        {
            "status": "in_progress",
            "progress": 40,
            "text": "已约谈整改",
            "expected_version": task.version,
        },
    )
    issued_notice.refresh_from_db()
    assert issued_notice.answer is not None

    response = client.get(reverse("supervision:notice-pdf", args=[issued_notice.pk]))

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "已约谈整改" in text and "推进中40%" in text and "王五" in text


def test_other_units_and_anonymous_users_cannot_download_a_notice(client, issued_notice):
    url = reverse("supervision:notice-pdf", args=[issued_notice.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(make_user(units=[make_unit("区发改局")]))
    assert client.get(url).status_code == 404


def test_a_proposed_notice_is_not_the_units_to_print(client, bureau):
    notice = EscalationNotice.objects.create(
        task=make_task(lead_units=[bureau]), unit=bureau, colour=NoticeColour.BLUE, reason="临近"
    )
    client.force_login(make_user(units=[bureau]))
    assert client.get(reverse("supervision:notice-pdf", args=[notice.pk])).status_code == 404


def test_notice_pages_link_to_the_pdf(client, office_user, bureau, issued_notice):
    pdf_url = reverse("supervision:notice-pdf", args=[issued_notice.pk])
    client.force_login(office_user)
    sheet = client.get(reverse("supervision:notice-print", args=[issued_notice.pk]))
    assert f'href="{pdf_url}"' in sheet.content.decode()
    admin_page = client.get(
        reverse("admin:supervision_escalationnotice_change", args=[issued_notice.pk])
    )
    assert f'href="{pdf_url}"' in admin_page.content.decode()
    client.force_login(make_user(units=[bureau]))
    home = client.get(reverse("supervision:home")).content.decode()
    assert f'href="{pdf_url}"' in home


# --- without Chromium -----------------------------------------------------------------


def test_without_chromium_the_links_say_so_and_the_pdf_is_a_clear_503(
    client, settings, office_user, issued_notice
):
    settings.PRINT_CHROMIUM = "/nonexistent/chromium"
    client.force_login(office_user)
    task_page = client.get(reverse("portal:task-detail", args=[issued_notice.task_id]))
    page = task_page.content.decode()
    assert "打印/下载PDF:服务器未安装打印组件" in page
    assert reverse("portal:task-record-pdf", args=[issued_notice.task_id]) not in page

    response = client.get(reverse("supervision:notice-pdf", args=[issued_notice.pk]))
    assert response.status_code == 503
    assert "服务器未安装打印组件" in response.content.decode()
    bulletin = client.get(reverse("dashboard:bulletin-pdf"), {"as_of": "2022-12-31"})
    assert bulletin.status_code == 503 and not Job.objects.exists()


# --- a task's record ----------------------------------------------------------------------


@pytest.fixture
def recorded_task(bureau, office_user, leader_user, issued_notice):
    """A task with a report, an approved extension, a 督办单, a 批示 and a second lead unit
    with a notice of its own."""
    task = issued_notice.task
    other = make_unit("市发改委", region=bureau.region)
    make_task(plan=task.plan, lead_units=[other])  # (another task of the plan)
    task.task_units.create(unit=other, role="lead", position=1)
    other_notice = EscalationNotice.objects.create(
        task=task, unit=other, colour=NoticeColour.YELLOW, reason="发改委进度滞后三十个百分点"
    )
    notice_issue(notices=[other_notice], user=office_user)
    unit_user = make_user(units=[bureau])
    task.refresh_from_db()
    report_submit(
        task=task,
        user=unit_user,
        status="in_progress",
        progress=60,
        text="已完成系统对接测试",
        expected_version=task.version,
        unit=bureau,
    )
    task.refresh_from_db()
    extension = extension_request(
        task=task, user=unit_user, requested_due_on=date(2022, 9, 30), reason="等待省级系统上线"
    )
    extension_approve(extension=extension, user=office_user, note="同意")
    instruction_write(user=leader_user, text="请市行政审批局月底前完成", task=task)
    return task, unit_user


@needs_chromium
def test_task_record_pdf_holds_the_task_units_deadlines_reports_notices_and_instructions(
    client, office_user, recorded_task
):
    task, _ = recorded_task
    client.force_login(office_user)

    response = client.get(reverse("portal:task-record-pdf", args=[task.pk]))

    assert response.status_code == 200
    assert f'filename="task-{task.pk}-record.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "任务办理记录" in text and "潭政办发〔2022〕7号·第4项" in text
    assert "湘潭市·市行政审批局" in text and "湘潭市·市发改委" in text
    assert "2022年9月30日" in text  # the deadline in force
    assert "原定完成时限2022年6月30日" in text
    assert "2022-06-30→2022-09-30" in text and "等待省级系统上线" in text and "已批准" in text
    assert "已完成系统对接测试" in text and "进展报告:推进中60%" in text
    assert "任务已逾期15天,请加快推进。" in text and "发改委进度滞后三十个百分点" in text
    assert "请市行政审批局月底前完成" in text
    today = timezone.localdate()
    assert f"记录截至{today.year}年{today.month}月{today.day}日" in text


@needs_chromium
def test_a_units_record_leaves_out_the_notices_of_other_lead_units(client, recorded_task):
    task, unit_user = recorded_task
    client.force_login(unit_user)

    response = client.get(reverse("portal:task-record-pdf", args=[task.pk]))

    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "任务已逾期15天,请加快推进。" in text
    assert "发改委进度滞后三十个百分点" not in text
    assert "督办单(1份)" in text


def test_the_record_of_another_units_task_is_a_404(client, recorded_task):
    task, _ = recorded_task
    client.force_login(make_user(units=[make_unit("州市场监督管理局")]))
    assert client.get(reverse("portal:task-record-pdf", args=[task.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("portal:task-record-pdf", args=[task.pk])).status_code == 302


def test_record_context_reads_a_fixed_number_of_queries(
    recorded_task, office_user, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.record import task_record_context
    from tasks.models import Task

    task, unit_user = recorded_task

    def record():
        with CaptureQueriesContext(connection) as queries:
            loaded = Task.objects.with_api_relations().get(pk=task.pk)
            context = task_record_context(loaded, office_user)
        return len(queries), context

    before, _ = record()
    for number in range(5):
        task.refresh_from_db()
        report_submit(
            task=task,
            user=unit_user,
            status="in_progress",
            progress=61 + number,
            text=f"第{number}次报告",
            expected_version=task.version,
        )
    after, context = record()

    assert after == before  # five more reports, not one query more
    # task + units + milestones, 签收, extensions, reports, history, the supervision
    # events, notices, instructions and their receipts, the sub-task history, review steps
    # and the reports sent back (who sent them back)
    with django_assert_max_num_queries(20):
        record()
    assert sum(entry.kind == "report" for entry in context["timeline"]) == 6


def test_task_pages_link_to_the_record_pdf(client, office_user, recorded_task):
    task, unit_user = recorded_task
    url = reverse("portal:task-record-pdf", args=[task.pk])
    client.force_login(unit_user)
    assert (
        f'href="{url}"'
        in client.get(reverse("portal:task-detail", args=[task.pk])).content.decode()
    )
    client.force_login(office_user)
    admin_page = client.get(reverse("admin:tasks_task_change", args=[task.pk])).content.decode()
    assert f'href="{url}"' in admin_page


# --- the monthly bulletin: a background job ------------------------------------------------

AS_OF = date(2022, 7, 31)


@pytest.fixture
def export_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "exports"},
        },
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    """The worker until the queue is empty, in this process and the test's transaction
    (see tests/test_jobs.py)."""
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command("jobs_worker", batch=True, verbosity=0, stdout=open("/dev/null", "w"))


@pytest.fixture
def bulletin_tasks(bureau):
    plan = make_plan(title="湘潭市通报测试方案", year=2022)
    overdue = make_task(plan=plan, number=1, due_on=date(2022, 5, 31), lead_units=[bureau])
    overdue.title = "推行企业开办一日办结"
    overdue.save()
    make_task(plan=plan, number=2, due_on=date(2022, 12, 31), lead_units=[bureau])
    return plan


def start_bulletin_pdf(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("dashboard:bulletin-pdf"), {"as_of": AS_OF.isoformat()})
    assert response.status_code == 302
    return Job.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1])


@needs_chromium
def test_bulletin_pdf_is_queued_printed_by_the_worker_and_downloaded(
    client, leader_user, bulletin_tasks, export_storage, django_capture_on_commit_callbacks
):
    client.force_login(leader_user)
    job = start_bulletin_pdf(client, django_capture_on_commit_callbacks)
    assert (job.status, job.kind) == (JobStatus.QUEUED, JobKind.BULLETIN_PDF)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "排队中" in page and "<progress" in page and "jobs/progress.js" in page
    # A second request while it waits joins it.
    assert start_bulletin_pdf(client, django_capture_on_commit_callbacks).pk == job.pk

    run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert job.total == job.done == 2  # one unit row and one overdue task
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert status["percent"] == 100
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "bulletin-2022-07-31.pdf" in download["Content-Disposition"]
    content = b"".join(download.streaming_content)
    text = pdf_text(content)
    assert "改革任务推进情况通报" in text and "督办通报2022年第7期" in text
    assert "统计期间:2022年7月1日至2022年7月31日" in text
    assert "纳入督办任务2项" in text and "已逾期1项" in text
    rows = pdf_rows(content)
    assert ["湘潭市·市行政审批局", "2", "0", "1", "2", "0%"] in rows
    assert [
        "湘潭市通报测试方案·第1项",
        "推行企业开办一日办结",
        "湘潭市·市行政审批局",
        "2022-05-31",
        "61天",
        "从未报送",
    ] in rows


def test_bulletin_pdf_job_fails_with_the_reason_when_the_worker_has_no_chromium(
    client,
    leader_user,
    settings,
    bulletin_tasks,
    export_storage,
    django_capture_on_commit_callbacks,
):
    settings.PRINT_CHROMIUM = "/bin/true"  # "installed" when the job starts ...
    client.force_login(leader_user)
    job = start_bulletin_pdf(client, django_capture_on_commit_callbacks)
    settings.PRINT_CHROMIUM = "/nonexistent/chromium"  # ... but not on the worker

    run_worker()

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.file
    assert "服务器未安装打印组件" in job.error
    page = client.get(job.get_absolute_url()).content.decode()
    assert "服务器未安装打印组件" in page and "重试" in page


def test_units_cannot_print_the_bulletin_and_leaders_see_the_link(
    client, leader_user, bureau, bulletin_tasks
):
    client.force_login(make_user(units=[bureau]))
    assert client.get(reverse("dashboard:bulletin-pdf")).status_code == 403
    client.force_login(leader_user)
    page = client.get(reverse("dashboard:bulletin"), {"as_of": AS_OF.isoformat()})
    assert f'href="{reverse("dashboard:bulletin-pdf")}?as_of=2022-07-31' in page.content.decode()
    assert not Job.objects.exists()


def test_a_browser_that_prints_nothing_is_a_clear_503_not_a_500(
    client, settings, office_user, issued_notice
):
    settings.PRINT_CHROMIUM = "/bin/false"  # runs, exits 1, writes no PDF
    client.force_login(office_user)

    response = client.get(reverse("supervision:notice-pdf", args=[issued_notice.pk]))

    assert response.status_code == 503
    assert "打印失败(Chromium 退出码 1)" in response.content.decode()

"""The daily desk in a real browser: the bell and the inbox, the office workbench after
login, the progress of a long export, and 全部签收 — on a 1280 px desktop and a 375 px phone."""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from jobs.choices import JobStatus
from jobs.models import Job
from jobs.services import job_run
from notifications.models import Notification
from supervision.models import PlanPublication, TaskAcknowledgement
from tasks.events import EventKind
from tests.conftest import make_plan, make_task, make_unit, make_user
from units.roles import LEADER_GROUP, OFFICE_GROUP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def log_in(page, url, username, lands_on):
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(url) + lands_on))


@pytest.fixture
def desk(live_server):
    unit = make_unit("州市场监督管理局")
    plan = make_plan(title="湘西州优化营商环境三年行动计划")
    tasks = [make_task(plan=plan, lead_units=[unit]) for _ in range(3)]
    user = make_user(units=[unit], username="xxscjg")
    return {"url": live_server.url, "unit": unit, "plan": plan, "tasks": tasks, "user": user}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_bell_counts_unread_messages_and_opening_one_reads_it(page, desk, viewport, screenshot_dir):
    task = desk["tasks"][0]
    for title in ("督办单(红色):任务1", "延期申请已批准:任务2"):
        Notification.objects.create(
            recipient=desk["user"],
            kind=EventKind.NOTICE_ISSUED,
            title=title,
            url=f"/tasks/{task.pk}/",
        )
    page.set_viewport_size(viewport)
    log_in(page, desk["url"], "xxscjg", "/$")
    bell = page.locator("header .bell-count")
    assert bell.inner_text() == "2"

    # A new message arrives; the bell catches up when the page becomes visible again.
    Notification.objects.create(recipient=desk["user"], kind=EventKind.REMINDER, title="提醒")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(bell).to_have_text("3")

    page.click("header a.bell")
    page.wait_for_url(f"{desk['url']}/notifications/")
    page.screenshot(path=screenshot_dir / f"inbox-{viewport['width']}.png", full_page=True)
    assert page.locator(".inbox-item.unread").count() == 3
    page.click("text=督办单(红色):任务1")
    page.wait_for_url(f"{desk['url']}/tasks/{task.pk}/")
    assert page.locator("header .bell-count").inner_text() == "2"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_office_lands_on_the_workbench(page, desk, viewport, screenshot_dir):
    Group.objects.get_or_create(name=OFFICE_GROUP)  # live_server may have flushed it
    office = make_user(group=OFFICE_GROUP, is_staff=True, username="office")
    PlanPublication.objects.create(
        plan=desk["plan"], published_at=timezone.now(), published_by=office
    )
    page.set_viewport_size(viewport)
    log_in(page, desk["url"], "office", "/admin/$")
    # 7 queues and the review chain's three steps (牵头单位审核, 优化办初审, 领导审批)
    assert page.locator("#workbench .queue").count() == 10
    row = page.locator(".workbench-plans tbody tr").first
    assert "0 / 3" in row.inner_text()
    page.screenshot(path=screenshot_dir / f"workbench-{viewport['width']}.png", full_page=True)
    page.click(".queue-proposed a")
    page.wait_for_url(f"{desk['url']}/supervision/proposed/")


def test_unit_signs_a_whole_plan_at_once(page, desk, screenshot_dir):
    PlanPublication.objects.create(plan=desk["plan"], published_at=timezone.now())
    page.set_viewport_size(PHONE)
    log_in(page, desk["url"], "xxscjg", "/$")
    page.goto(f"{desk['url']}/supervision/")
    form = page.locator("form.bulk-ack")
    form.locator("input[name=responsible_person]").fill("张明")
    form.locator("input[name=phone]").fill("0743-8221234")
    page.screenshot(path=screenshot_dir / "bulk-ack-375.png", full_page=True)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{desk['url']}/supervision/")
    assert "已签收《湘西州优化营商环境三年行动计划》的 3 项任务" in page.content()
    assert TaskAcknowledgement.objects.filter(responsible_person="张明").count() == 3


def test_a_long_export_shows_its_progress_without_a_reload(page, desk, settings, tmp_path):
    """A leader asks for the bulletin: the job page's bar follows the worker, then offers
    the file, all in the same page (polled by static/jobs/progress.js)."""
    settings.EXPORT_IMMEDIATE_MAX_TASKS = 0  # every export goes through a job
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "exports"},
        },
    }
    Group.objects.get_or_create(name=LEADER_GROUP)  # live_server may have flushed it
    make_user(group=LEADER_GROUP, is_staff=True, username="leader")
    page.set_viewport_size(DESKTOP)
    log_in(page, desk["url"], "leader", "/dashboard/$")
    page.goto(f"{desk['url']}/dashboard/bulletin.xlsx?as_of=2026-06-30")
    page.wait_for_url(re.compile(r".*/exports/\d+/$"))
    job = Job.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    expect(page.locator("[data-job-label]")).to_have_text("排队中")
    page.evaluate("window.samePage = true")

    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, done=1, total=4)
    expect(page.locator("[data-job-count]")).to_contain_text("1 / 4", timeout=15000)
    assert page.locator("[data-job-bar]").get_attribute("value") == "25"
    expect(page.locator("[data-job-download]")).to_be_hidden()

    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    assert job_run(job.pk) == JobStatus.DONE
    expect(page.locator("[data-job-label]")).to_have_text("已完成", timeout=15000)
    expect(page.locator("[data-job-download]")).to_be_visible()
    assert page.evaluate("window.samePage") is True  # no reload
    with page.expect_download() as download:
        page.click("[data-job-download] a")
    assert download.value.suggested_filename.endswith(".xlsx")

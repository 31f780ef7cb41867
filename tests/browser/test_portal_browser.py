"""A unit user in a real browser: log in, open a task, report with an attachment, ask for
an extension, and the same on a 375 px phone screen."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from deadlines.models import DeadlineExtension
from tasks.models import ProgressReport
from tests.conftest import make_plan, make_task, make_unit, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-1"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PHONE = {"width": 375, "height": 812}


def titled(task, title):
    task.title = title
    task.save(update_fields=["title"])
    return task


@pytest.fixture
def unit_setup(live_server):
    today = timezone.localdate()
    market, tax = make_unit("州市场监督管理局"), make_unit("州税务局")
    plan = make_plan(title="湘西州优化营商环境三年行动计划")
    overdue = titled(
        make_task(plan=plan, lead_units=[market], due_on=today - timedelta(days=10)),
        "推行企业开办一网通办",
    )
    soon = titled(
        make_task(
            plan=plan,
            lead_units=[tax],
            responsible_units=[market],
            due_on=today + timedelta(days=7),
        ),
        "压缩不动产登记办理时间",
    )
    later = titled(
        make_task(plan=plan, lead_units=[market], due_on=today + timedelta(days=120)),
        "建设信用信息平台",
    )
    titled(make_task(plan=plan, lead_units=[make_unit("州公安局")]), "别的单位的任务")
    user = make_user(units=[market], username="xxscjg")
    user.first_name = "市场监管局联络员"
    user.save()
    return {"url": live_server.url, "user": user, "overdue": overdue, "soon": soon, "later": later}


def log_in(page, url):
    page.goto(f"{url}/")
    expect_url = re.compile(r"/accounts/login/")
    assert expect_url.search(page.url)
    page.fill("#id_username", "xxscjg")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_unit_user_reports_progress_with_attachment_and_sees_it_in_timeline(
    page, unit_setup, screenshot_dir
):
    url = unit_setup["url"]
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, url)
    rows = page.locator("table.tasks tbody tr")
    assert rows.count() == 3
    assert "推行企业开办一网通办" in rows.nth(0).inner_text()  # overdue first
    assert "逾期 10 天" in rows.nth(0).inner_text()
    assert "别的单位的任务" not in page.content()
    page.screenshot(path=screenshot_dir / "desktop-task-list.png", full_page=True)

    page.click("text=推行企业开办一网通办")
    page.wait_for_url(f"{url}/tasks/{unit_setup['overdue'].pk}/")
    page.select_option("#id_status", "in_progress")
    page.fill("#id_progress", "60")
    page.fill("#id_text", "已完成系统对接,正在试运行。")
    page.set_input_files(
        "#id_attachment", {"name": "试运行报告.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.click("#report button[type=submit]")
    page.wait_for_selector("text=进展报告已提交")
    timeline = page.locator("#timeline").inner_text()
    assert "已完成系统对接,正在试运行。" in timeline
    assert "试运行报告.pdf" in timeline
    assert "未开始 → 推进中" in timeline
    page.screenshot(path=screenshot_dir / "desktop-task-detail.png", full_page=True)

    with page.expect_download() as download_info:
        page.click("text=试运行报告.pdf")
    assert download_info.value.suggested_filename == "试运行报告.pdf"
    report = ProgressReport.objects.get(task=unit_setup["overdue"])
    assert (report.progress, report.attachment_name) == (60, "试运行报告.pdf")


def test_empty_report_keeps_typed_values(page, unit_setup):
    url = unit_setup["url"]
    log_in(page, url)
    page.goto(f"{url}/tasks/{unit_setup['later'].pk}/")
    page.fill("#id_progress", "35")
    page.fill("#id_text", "   ")
    page.click("#report button[type=submit]")
    page.wait_for_selector(".field.has-error")
    assert page.input_value("#id_progress") == "35"
    assert not ProgressReport.objects.exists()


def test_lead_unit_requests_an_extension(page, unit_setup):
    url = unit_setup["url"]
    task = unit_setup["later"]
    log_in(page, url)
    page.goto(f"{url}/tasks/{task.pk}/")
    new_date = task.deadline.due_on + timedelta(days=60)
    page.fill("#id_requested_due_on", new_date.isoformat())
    page.fill("#id_reason", "需等待省级平台接口开放")
    page.click("#extension button[type=submit]")
    page.wait_for_selector("text=延期申请已提交")
    assert "等待优化办审批" in page.locator("#extension").inner_text()
    extension = DeadlineExtension.objects.get(deadline__task=task)
    assert extension.requested_due_on == new_date


def test_phone_layout_at_375px(page, unit_setup, screenshot_dir):
    url = unit_setup["url"]
    page.set_viewport_size(PHONE)
    log_in(page, url)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("table.tasks thead").is_hidden()  # rows become cards
    page.screenshot(path=screenshot_dir / "phone-task-list.png", full_page=True)

    soon = unit_setup["soon"]
    soon.body = "深化不动产登记制度改革,推进不动产登记、交易、缴税“一窗受理、并行办理”。" * 8
    soon.save(update_fields=["body"])  # as long as real task texts: the form is far down
    page.goto(f"{url}/tasks/{soon.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # a responsible unit may ask for an extension: its lead unit checks it first
    assert page.locator("#extension form").count() == 1
    page.fill("#id_progress", "20")
    page.fill("#id_text", "   ")  # blank text passes the browser, not the server
    page.click("#report button[type=submit]")  # the page opens at the error, far down
    page.wait_for_selector(".field.has-error")
    error_top = page.evaluate(
        "document.querySelector('.field.has-error').getBoundingClientRect().top"
    )
    assert 0 <= error_top < PHONE["height"]
    assert page.input_value("#id_progress") == "20"
    page.fill("#id_text", "手机报送:已配合梳理材料。")
    page.click("#report button[type=submit]")
    page.wait_for_selector("text=进展报告已提交")
    assert "手机报送:已配合梳理材料。" in page.locator("#timeline").inner_text()
    page.screenshot(path=screenshot_dir / "phone-task-detail.png", full_page=True)

    page.goto(f"{url}/accounts/login/")
    page.wait_for_selector("#id_username")  # settled before the live server is flushed
    page.screenshot(path=screenshot_dir / "phone-login.png", full_page=True)


def test_second_editor_is_told_to_reload_and_keeps_their_text(
    browser, page, unit_setup, screenshot_dir
):
    url = unit_setup["url"]
    task = unit_setup["later"]
    colleague = make_user(units=[task.lead_units[0]], username="xxscjg2")
    log_in(page, url)
    page.goto(f"{url}/tasks/{task.pk}/")  # loaded before the colleague saves

    other = browser.new_context()
    other_page = other.new_page()
    other_page.goto(f"{url}/accounts/login/")
    other_page.fill("#id_username", colleague.username)
    other_page.fill("#id_password", PASSWORD)
    other_page.click("button[type=submit]")
    other_page.wait_for_url(f"{url}/")
    other_page.goto(f"{url}/tasks/{task.pk}/")
    other_page.select_option("#id_status", "blocked")
    other_page.fill("#id_text", "同事先提交:等待省厅批复。")
    other_page.click("#report button[type=submit]")
    other_page.wait_for_selector("text=进展报告已提交")
    other.close()

    page.fill("#id_progress", "50")
    page.fill("#id_text", "我后提交:平台已上线。")
    page.click("#report button[type=submit]")
    page.wait_for_selector(".form-error")
    assert "该任务已被他人更新" in page.locator("#report .form-error").inner_text()
    assert page.input_value("#id_text") == "我后提交:平台已上线。"
    assert page.input_value("#id_progress") == "50"
    assert "同事先提交:等待省厅批复。" in page.locator("#timeline").inner_text()
    page.screenshot(path=screenshot_dir / "desktop-conflict.png", full_page=True)
    assert list(ProgressReport.objects.values_list("text", flat=True)) == [
        "同事先提交:等待省厅批复。"
    ]

    page.click("#report button[type=submit]")  # a deliberate second save after seeing it
    page.wait_for_selector("text=进展报告已提交")
    assert ProgressReport.objects.count() == 2


def test_unit_acknowledges_a_published_task_on_a_phone(page, unit_setup, screenshot_dir):
    """From 我的任务 the banner leads to 签收; a mistyped phone keeps the card as typed."""
    from supervision.models import PlanPublication, TaskAcknowledgement

    url = unit_setup["url"]
    overdue = unit_setup["overdue"]
    PlanPublication.objects.create(plan=overdue.plan, published_at=timezone.now())
    page.set_viewport_size(PHONE)
    log_in(page, url)
    page.click("text=项交办任务待签收")
    page.wait_for_url(f"{url}/supervision/")
    card = page.locator("section.card", has_text="推行企业开办一网通办")
    card.locator("input[name=responsible_person]").fill("张明")
    card.locator("input[name=phone]").fill("abc")
    card.locator("button[type=submit]").click()
    card = page.locator("section.card", has_text="推行企业开办一网通办")
    assert "请填写有效的电话号码" in card.inner_text()
    assert card.locator("input[name=responsible_person]").input_value() == "张明"
    page.screenshot(path=screenshot_dir / "phone-acknowledge-error.png", full_page=True)
    card.locator("input[name=phone]").fill("0743-8221234")
    card.locator("button[type=submit]").click()
    page.wait_for_selector("text=已签收:")
    ack = TaskAcknowledgement.objects.get(task=overdue)
    assert (ack.responsible_person, ack.phone) == ("张明", "0743-8221234")
    # the next card is prefilled with the same contact
    assert page.locator("input[name=phone]").first.input_value() == "0743-8221234"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

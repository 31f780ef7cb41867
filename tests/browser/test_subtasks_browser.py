"""A lead unit's user splits a task into sub-tasks on a 375 px phone screen."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tasks.choices import SubTaskStatus
from tasks.models import SubTask
from tests.conftest import make_task, make_unit, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def test_lead_unit_splits_and_completes_a_sub_task_on_a_phone(page, live_server, screenshot_dir):
    today = timezone.localdate()
    lead = make_unit("州市场监督管理局")
    task = make_task(lead_units=[lead], due_on=today + timedelta(days=60))
    make_user(units=[lead], username="xxscjg")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    page.fill("#id_username", "xxscjg")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/tasks/{task.pk}/")

    page.click("text=新增子任务")
    page.fill("#id_subtask_title", "梳理企业开办事项清单")
    page.fill("#id_subtask_owner_name", "张三")
    page.fill("#id_subtask_owner_phone", "0743-8221234")
    # a date after the task's deadline is refused: the browser holds it back (max), and
    # without that hint the server refuses it and the form comes back open with the reason
    page.evaluate("document.getElementById('id_subtask_due_on').removeAttribute('max')")
    page.fill("#id_subtask_due_on", (today + timedelta(days=61)).isoformat())
    page.click("text=保存子任务")
    page.wait_for_selector("#subtasks .error")
    assert "不能晚于任务完成时限" in page.inner_text("#subtasks")
    assert SubTask.objects.count() == 0

    page.fill("#id_subtask_due_on", (today + timedelta(days=30)).isoformat())
    page.fill("#id_subtask_progress", "40")
    page.click("text=保存子任务")
    page.wait_for_selector("li.subtask")
    card = page.inner_text("li.subtask")
    assert "梳理企业开办事项清单" in card and "责任人 张三" in card and "40%" in card
    # the report form offers the sub-tasks' progress; the ids do not clash with the sub-task form
    assert page.input_value("#id_progress") == "40"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "phone-subtasks.png", full_page=True)

    page.click("li.subtask >> text=标记完成")
    page.wait_for_selector("li.subtask-done")
    assert SubTask.objects.get().status == SubTaskStatus.DONE
    assert "1 项:已完成 1" in page.inner_text("#subtasks")

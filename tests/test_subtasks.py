"""Task decomposition: a lead unit splits its task into sub-tasks (子任务) in the portal."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from freezegun import freeze_time
from rest_framework.test import APIClient

from tasks.choices import SubTaskStatus, TaskStatus
from tasks.models import SubTask
from tasks.subtasks import subtask_create, subtask_rollup, subtask_update, task_subtask_rollup
from units.roles import OFFICE_GROUP

from .conftest import governed, make_task, make_unit, make_user

pytestmark = pytest.mark.django_db

TASK_DUE = date(2030, 6, 30)


@pytest.fixture
def setting():
    lead, partner = make_unit("州市场监督管理局"), make_unit("州税务局")
    task = make_task(lead_units=[lead], responsible_units=[partner], due_on=TASK_DUE)
    return {
        "task": task,
        "lead": lead,
        "lead_user": make_user(units=[lead]),
        "partner_user": make_user(units=[partner]),
    }


def form_data(**overrides):
    data = {
        "title": "起草实施细则",
        "owner_name": "张三",
        "owner_phone": "0743-8221234",
        "assignee": "",
        "due_on": "2030-03-31",
        "weight": "2",
        "progress": "20",
        "status": SubTaskStatus.IN_PROGRESS,
    }
    data.update(overrides)
    return data


def split(task, user, **fields):
    values = {"title": "子任务", "owner_name": "李四", "due_on": date(2030, 5, 31)}
    values.update(fields)
    return subtask_create(task=task, user=user, **values)


# --- creating, editing, completing in the portal ---------------------------------------


def test_lead_unit_splits_off_a_sub_task_from_the_task_page(client, setting):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    response = client.post(f"/tasks/{task.pk}/subtasks/", form_data(), follow=True)
    assert response.redirect_chain[-1][0] == f"/tasks/{task.pk}/#subtasks"
    subtask = SubTask.objects.get(task=task)
    assert (subtask.title, subtask.owner_name, subtask.owner_phone) == (
        "起草实施细则",
        "张三",
        "0743-8221234",
    )
    assert (subtask.due_on, subtask.weight, subtask.progress) == (date(2030, 3, 31), 2, 20)
    assert subtask.unit == setting["lead"]
    assert subtask.created_by == setting["lead_user"]
    page = response.content.decode()
    assert "1 项:已完成 0" in page
    assert "责任人 张三" in page


def test_sub_task_due_after_the_task_deadline_is_refused_and_nothing_saved(client, setting):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    response = client.post(f"/tasks/{task.pk}/subtasks/", form_data(due_on="2030-07-01"))
    assert response.status_code == 400
    errors = response.context["subtask_form"].errors["due_on"]
    assert errors == ["子任务完成时限(2030年07月01日)不能晚于任务完成时限(2030年06月30日)"]
    assert SubTask.objects.count() == 0


def test_sub_task_due_on_the_task_deadline_is_accepted(setting):
    subtask = split(setting["task"], setting["lead_user"], due_on=TASK_DUE)
    assert subtask.due_on == TASK_DUE


def test_an_ongoing_task_takes_sub_tasks_of_any_date(setting):
    task = make_task(lead_units=[setting["lead"]], is_ongoing=True)
    subtask = split(task, setting["lead_user"], due_on=date(2035, 12, 31))
    assert subtask.due_on == date(2035, 12, 31)


@pytest.mark.parametrize("progress", ["-1", "101", "abc"])
def test_progress_out_of_range_is_refused(client, setting, progress):
    task = setting["task"]
    client.force_login(setting["lead_user"])
    response = client.post(f"/tasks/{task.pk}/subtasks/", form_data(progress=progress))
    assert response.status_code == 400
    assert "progress" in response.context["subtask_form"].errors
    assert SubTask.objects.count() == 0


def test_service_refuses_progress_out_of_range_with_a_chinese_message(setting):
    with pytest.raises(ValidationError) as caught:
        split(setting["task"], setting["lead_user"], progress=150)
    assert caught.value.message_dict["progress"][-1] == "进度应在0至100之间"
    assert SubTask.objects.count() == 0


def test_bad_phone_and_foreign_account_are_both_named(client, setting):
    task = setting["task"]
    stranger = make_user(units=[make_unit("州财政局")])
    client.force_login(setting["lead_user"])
    with pytest.raises(ValidationError) as caught:
        split(task, setting["lead_user"], owner_phone="call me", assignee=stranger)
    errors = caught.value.message_dict
    assert errors["owner_phone"] == ["联系电话只能包含数字、空格、加号、括号和连字符(5至30位)"]
    assert errors["assignee"] == ["系统账号须为本单位的人员"]
    assert SubTask.objects.count() == 0


def test_nul_characters_are_refused_before_the_database(setting):
    with pytest.raises(ValidationError) as caught:
        split(setting["task"], setting["lead_user"], title="起草\x00细则")
    assert caught.value.messages == ["文字中含有无效字符"]
    assert SubTask.objects.count() == 0


def test_assignee_from_the_lead_unit_is_kept(client, setting):
    task = setting["task"]
    colleague = make_user(units=[setting["lead"]], username="zhangsan")
    client.force_login(setting["lead_user"])
    response = client.post(f"/tasks/{task.pk}/subtasks/", form_data(assignee=colleague.pk))
    assert response.status_code == 302
    assert SubTask.objects.get().assignee == colleague


def test_responsible_unit_reads_sub_tasks_but_may_not_create_or_edit(client, setting):
    task = setting["task"]
    subtask = split(task, setting["lead_user"], title="梳理事项清单")
    client.force_login(setting["partner_user"])
    page = client.get(f"/tasks/{task.pk}/")
    assert "梳理事项清单" in page.content.decode()
    assert page.context["subtask_form"] is None
    assert f"/tasks/{task.pk}/subtasks/{subtask.pk}/" not in page.content.decode()
    assert client.post(f"/tasks/{task.pk}/subtasks/", form_data()).status_code == 403
    edit = f"/tasks/{task.pk}/subtasks/{subtask.pk}/"
    assert client.get(edit).status_code == 403
    assert client.post(edit, form_data(title="改名")).status_code == 403
    assert client.post(edit + "complete/").status_code == 403
    subtask.refresh_from_db()
    assert (subtask.title, subtask.status) == ("梳理事项清单", SubTaskStatus.NOT_STARTED)
    assert SubTask.objects.count() == 1


def test_users_who_cannot_see_the_task_get_404(client, setting, plans):
    task = setting["task"]
    subtask = split(task, setting["lead_user"])
    other_unit_user = make_user(units=[make_unit("州教育局")])
    # 襄阳's office: the task's plan has no government in 襄阳
    other_region_office = governed("420600")
    for user in (other_unit_user, other_region_office):
        client.force_login(user)
        assert client.post(f"/tasks/{task.pk}/subtasks/", form_data()).status_code == 404
        edit = f"/tasks/{task.pk}/subtasks/{subtask.pk}/"
        assert client.post(edit, form_data(title="改名")).status_code == 404
        assert client.post(edit + "complete/").status_code == 404
    assert SubTask.objects.count() == 1


def test_office_reads_sub_tasks_but_only_the_lead_unit_splits(client, setting):
    office = make_user(group=OFFICE_GROUP, is_staff=True)
    task = setting["task"]
    split(task, setting["lead_user"], title="制定考核办法")
    client.force_login(office)
    assert "制定考核办法" in client.get(f"/tasks/{task.pk}/").content.decode()
    response = client.post(f"/tasks/{task.pk}/subtasks/", form_data())
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        split(task, office)
    assert SubTask.objects.count() == 1


def test_another_lead_unit_reads_but_does_not_edit_the_first_units_sub_task(client, setting):
    second = make_unit("州发改委")
    task = make_task(lead_units=[setting["lead"], second], due_on=TASK_DUE)
    subtask = split(task, setting["lead_user"])
    second_user = make_user(units=[second])
    with pytest.raises(PermissionDenied):
        subtask_update(subtask=subtask, user=second_user, changes={"progress": 50})
    client.force_login(second_user)
    assert client.post(f"/tasks/{task.pk}/subtasks/{subtask.pk}/complete/").status_code == 403
    # ... and splits its own part, recorded under its own unit
    own = split(task, second_user, title="第二牵头单位的子任务")
    assert own.unit == second


def test_edit_page_saves_changes_and_refuses_a_late_date(client, setting):
    task = setting["task"]
    subtask = split(task, setting["lead_user"], title="起草")
    client.force_login(setting["lead_user"])
    edit = f"/tasks/{task.pk}/subtasks/{subtask.pk}/"
    page = client.get(edit)
    assert page.status_code == 200
    assert 'max="2030-06-30"' in page.content.decode()
    refused = client.post(edit, form_data(title="起草并报审", due_on="2031-01-01"))
    assert refused.status_code == 400
    assert "不能晚于任务完成时限" in refused.content.decode()
    subtask.refresh_from_db()
    assert (subtask.title, subtask.due_on) == ("起草", date(2030, 5, 31))
    saved = client.post(edit, form_data(title="起草并报审", progress="60"))
    assert saved.status_code == 302
    subtask.refresh_from_db()
    assert (subtask.title, subtask.progress, subtask.weight) == ("起草并报审", 60, 2)


def test_a_sub_task_saved_meanwhile_by_a_colleague_is_not_overwritten(client, setting):
    task = setting["task"]
    subtask = split(task, setting["lead_user"], title="起草")
    colleague = make_user(units=[setting["lead"]])
    client.force_login(setting["lead_user"])
    edit = f"/tasks/{task.pk}/subtasks/{subtask.pk}/"
    seen_version = client.get(edit).context["form"].initial["version"]
    assert seen_version == 1
    # the colleague saves first
    subtask_update(subtask=subtask, user=colleague, changes={"progress": 70})
    response = client.post(edit, form_data(title="起草并报审", version=seen_version))
    assert response.status_code == 400
    assert "该子任务已被他人修改,请刷新页面查看后再修改。" in response.content.decode()
    subtask.refresh_from_db()
    assert (subtask.title, subtask.progress, subtask.version) == ("起草", 70, 2)
    stale_complete = client.post(edit + "complete/", {"version": "1"}, follow=True)
    assert "该子任务已被他人修改" in stale_complete.content.decode()
    subtask.refresh_from_db()
    assert subtask.status == SubTaskStatus.IN_PROGRESS
    client.post(edit + "complete/", {"version": "2"})
    subtask.refresh_from_db()
    assert (subtask.status, subtask.version) == (SubTaskStatus.DONE, 3)


def test_completing_a_sub_task_sets_100_percent_and_todays_date(client, setting):
    task = setting["task"]
    subtask = split(task, setting["lead_user"], progress=30)
    with freeze_time("2030-04-02 03:00:00"):
        client.force_login(setting["lead_user"])
        response = client.post(f"/tasks/{task.pk}/subtasks/{subtask.pk}/complete/")
        again = client.post(f"/tasks/{task.pk}/subtasks/{subtask.pk}/complete/", follow=True)
    assert response.status_code == 302
    subtask.refresh_from_db()
    assert (subtask.status, subtask.progress, subtask.completed_on) == (
        SubTaskStatus.DONE,
        100,
        date(2030, 4, 2),
    )
    assert "该子任务已完成" in again.content.decode()


def test_a_sub_task_with_progress_has_started(setting):
    subtask = split(setting["task"], setting["lead_user"], progress=40)
    assert subtask.status == SubTaskStatus.IN_PROGRESS
    untouched = split(setting["task"], setting["lead_user"], progress=0)
    assert untouched.status == SubTaskStatus.NOT_STARTED


def test_the_units_last_sub_task_done_reminds_its_users_to_report(setting):
    from notifications.models import Notification

    task, user = setting["task"], setting["lead_user"]
    colleague = make_user(units=[setting["lead"]])
    first, second = split(task, user, title="甲"), split(task, user, title="乙")
    subtask_update(subtask=first, user=user, changes={"status": SubTaskStatus.DONE})
    assert Notification.objects.count() == 0  # 乙 is still open
    subtask_update(subtask=second, user=user, changes={"status": SubTaskStatus.DONE})
    message = Notification.objects.get()  # the colleague's; the one who completed is not told
    assert message.recipient == colleague
    assert message.title == "任务“1. 任务1”的子任务已全部完成,请报送进展或申请销号"
    assert message.url == f"/tasks/{task.pk}/#report"


def test_reopening_a_done_sub_task_clears_its_completion_date(setting):
    subtask = split(setting["task"], setting["lead_user"], status=SubTaskStatus.DONE)
    assert (subtask.progress, subtask.completed_on is not None) == (100, True)
    subtask_update(
        subtask=subtask,
        user=setting["lead_user"],
        changes={"status": SubTaskStatus.IN_PROGRESS, "progress": 80},
    )
    subtask.refresh_from_db()
    assert (subtask.status, subtask.progress, subtask.completed_on) == (
        SubTaskStatus.IN_PROGRESS,
        80,
        None,
    )


def test_sub_tasks_of_a_verified_task_are_read_only(client, setting):
    task = setting["task"]
    subtask = split(task, setting["lead_user"])
    task.status, task.completed_on = TaskStatus.COMPLETED, date(2030, 6, 1)
    task.save()
    with pytest.raises(ValidationError) as caught:
        split(task, setting["lead_user"])
    assert caught.value.messages == ["任务已销号,子任务只读"]
    client.force_login(setting["lead_user"])
    page = client.get(f"/tasks/{task.pk}/")
    assert page.context["subtask_form"] is None
    response = client.post(f"/tasks/{task.pk}/subtasks/{subtask.pk}/complete/", follow=True)
    assert "任务已销号,子任务只读" in response.content.decode()
    subtask.refresh_from_db()
    assert subtask.status == SubTaskStatus.NOT_STARTED
    assert SubTask.objects.count() == 1


# --- roll-up ----------------------------------------------------------------------------


def test_roll_up_counts_done_and_overdue_and_weights_progress(setting):
    task, user = setting["task"], setting["lead_user"]
    split(task, user, due_on=date(2030, 2, 28), weight=1, status=SubTaskStatus.DONE)
    split(task, user, due_on=date(2030, 3, 31), weight=2, progress=50)
    split(task, user, due_on=date(2030, 6, 30), weight=1, progress=0)
    rollup = task_subtask_rollup(task, date(2030, 4, 1))
    # (1 × 100 + 2 × 50 + 1 × 0) / 4 = 50
    assert rollup.as_dict() == {"total": 3, "done": 1, "overdue": 1, "suggested_progress": 50}
    assert [s.late_days for s in rollup.subtasks] == [0, 1, 0]


def test_roll_up_without_sub_tasks_suggests_nothing():
    assert subtask_rollup([], date(2030, 1, 1)).as_dict() == {
        "total": 0,
        "done": 0,
        "overdue": 0,
        "suggested_progress": None,
    }


def test_roll_up_rounds_the_weighted_mean(setting):
    task, user = setting["task"], setting["lead_user"]
    for progress in (10, 20, 25):
        split(task, user, progress=progress)
    # 55 / 3 = 18.33
    assert task_subtask_rollup(task, date(2030, 1, 1)).suggested_progress == 18


def test_task_page_marks_overdue_and_late_completed_sub_tasks(client, setting):
    task, user = setting["task"], setting["lead_user"]
    with freeze_time("2030-03-05 03:00:00"):
        late = split(task, user, title="晚完成的", due_on=date(2030, 3, 1))
        subtask_update(subtask=late, user=user, changes={"status": SubTaskStatus.DONE})
        split(task, user, title="未完成的", due_on=date(2030, 2, 20))
        split(task, user, title="还没到期的", due_on=date(2030, 5, 20))
        client.force_login(user)
        page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert '3 项:已完成 1,逾期 <strong class="overdue">1</strong>' in page
    assert "逾期完成 4 天" in page
    assert "已逾期 13 天" in page


def test_lead_units_report_form_offers_the_suggested_progress(client, setting):
    task, user = setting["task"], setting["lead_user"]
    split(task, user, progress=60)
    split(task, user, progress=80)
    client.force_login(user)
    form = client.get(f"/tasks/{task.pk}/").context["report_form"]
    assert form.initial["progress"] == 70
    assert form.fields["progress"].help_text == "子任务加权进度为70%,已预填(当前报送进度0%),可修改"
    task.refresh_from_db()
    assert task.progress == 0  # offered, not written
    client.force_login(setting["partner_user"])
    partner_form = client.get(f"/tasks/{task.pk}/").context["report_form"]
    assert partner_form.initial["progress"] == 0


def test_suggestion_below_the_reported_progress_is_shown_but_not_prefilled(client, setting):
    task, user = setting["task"], setting["lead_user"]
    task.progress = 90
    task.save()
    split(task, user, progress=40)
    client.force_login(user)
    form = client.get(f"/tasks/{task.pk}/").context["report_form"]
    assert form.initial["progress"] == 90
    assert form.fields["progress"].help_text == "子任务加权进度为40%"


def test_timeline_shows_sub_task_creation_and_completion(client, setting):
    task, user = setting["task"], setting["lead_user"]
    with freeze_time("2030-03-01 02:00:00"):
        subtask = split(task, user, title="建立台账", owner_name="王五", due_on=date(2030, 3, 10))
    with freeze_time("2030-03-12 02:00:00"):
        subtask_update(subtask=subtask, user=user, changes={"status": SubTaskStatus.DONE})
    client.force_login(setting["partner_user"])
    timeline = client.get(f"/tasks/{task.pk}/").context["timeline"]
    titles = [entry.title for entry in timeline if entry.kind == "subtask"]
    assert titles == [
        "子任务完成:建立台账(逾期 2 天)",
        "分解子任务:建立台账(责任人 王五,完成时限 2030-03-10)",
    ]
    assert {entry.who for entry in timeline if entry.kind == "subtask"} == {user.username}


# --- query counts -----------------------------------------------------------------------


def test_task_page_query_count_is_the_same_for_1_and_20_sub_tasks(
    client, setting, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    task, user = setting["task"], setting["lead_user"]
    client.force_login(user)
    counts = {}
    for total in (1, 20):
        while task.subtasks.count() < total:
            n = task.subtasks.count()
            subtask = split(task, user, title=f"子任务{n}", assignee=user)
            if n % 2:
                subtask_update(subtask=subtask, user=user, changes={"status": SubTaskStatus.DONE})
        # the task page (see test_portal_reports, with review steps) + sub-tasks, their history on the
        # timeline, the accounts offered in the new sub-task form
        with django_assert_max_num_queries(27):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/tasks/{task.pk}/")
        counts[total] = len(queries)
        assert response.context["subtasks"].total == total
        assert len([e for e in response.context["timeline"] if e.kind == "subtask"]) == (
            total + total // 2
        )
    assert counts[1] == counts[20]


# --- API ---------------------------------------------------------------------------------


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_lists_sub_tasks_with_the_roll_up(setting):
    task, user = setting["task"], setting["lead_user"]
    with freeze_time("2030-04-01 02:00:00"):
        split(task, user, title="甲", due_on=date(2030, 3, 1), weight=3, progress=40)
        split(task, user, title="乙", due_on=date(2030, 5, 1), status=SubTaskStatus.DONE)
        response = api_client(setting["partner_user"]).get(f"/api/tasks/{task.pk}/subtasks/")
    assert response.status_code == 200
    body = response.json()
    # (3 × 40 + 1 × 100) / 4 = 55
    assert {k: body[k] for k in ("total", "done", "overdue", "suggested_progress")} == {
        "total": 2,
        "done": 1,
        "overdue": 1,
        "suggested_progress": 55,
    }
    first = body["subtasks"][0]
    assert (first["title"], first["is_overdue"], first["days_late"], first["weight"]) == (
        "甲",
        True,
        31,
        3,
    )
    assert first["unit_full_name"] == "州市场监督管理局"
    assert body["subtasks"][1]["completed_on"] == "2030-04-01"


def test_api_sub_tasks_of_an_invisible_task_are_404(setting):
    split(setting["task"], setting["lead_user"])
    stranger = make_user(units=[make_unit("州教育局")])
    response = api_client(stranger).get(f"/api/tasks/{setting['task'].pk}/subtasks/")
    assert response.status_code == 404


# --- admin ---------------------------------------------------------------------------------


def test_admin_task_page_lists_sub_tasks_read_only(client, setting):
    office = make_user(group=OFFICE_GROUP, is_staff=True)
    split(setting["task"], setting["lead_user"], title="编制流程图", owner_name="赵六")
    client.force_login(office)
    page = client.get(f"/admin/tasks/task/{setting['task'].pk}/change/").content.decode()
    assert "编制流程图" in page
    assert "赵六" in page
    assert 'name="subtasks-0-title"' not in page


# --- task list ----------------------------------------------------------------------------


def test_task_list_counts_done_and_overdue_sub_tasks_per_task(
    client, setting, django_assert_max_num_queries
):
    task, user = setting["task"], setting["lead_user"]
    other = make_task(plan=task.plan, lead_units=[setting["lead"]], due_on=TASK_DUE)
    with freeze_time("2030-04-01 02:00:00"):
        split(task, user, due_on=date(2030, 3, 1))
        split(task, user, due_on=date(2030, 3, 2))
        split(task, user, due_on=date(2030, 3, 3), status=SubTaskStatus.DONE)
        split(task, user, due_on=date(2030, 5, 1))
        client.force_login(user)
        # the list's 14 (test_portal_task_list): the counts are subqueries of the page's query
        with django_assert_max_num_queries(14):
            response = client.get("/")
    rows = {t.pk: t for t in response.context["page"]}
    assert (
        rows[task.pk].subtasks_total,
        rows[task.pk].subtasks_done,
        rows[task.pk].subtasks_overdue,
    ) == (4, 1, 2)
    assert (rows[other.pk].subtasks_total, rows[other.pk].subtasks_overdue) == (0, 0)
    assert '子任务 1/4 <strong class="overdue">逾期 2</strong>' in response.content.decode()

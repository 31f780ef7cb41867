"""The office's task list in the admin: columns, flags, filters, search, query bound, roles."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deadlines.choices import DeadlineSource
from deadlines.models import Deadline
from tasks.choices import TaskStatus
from tasks.models import ProgressReport, Task, TaskUnit
from units.choices import UnitRole
from units.models import Unit

from .conftest import XIANGTAN, make_plan, make_task, make_unit, make_user

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:tasks_task_changelist")


def listed_numbers(response) -> list[int]:
    return sorted(task.number for task in response.context["cl"].result_list)


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


def test_list_shows_lead_units_chinese_due_date_with_source_flags_and_last_report(office_client):
    today = timezone.localdate()
    lead = make_unit("市行政审批局")
    plan = make_plan(title="测试方案甲")
    overdue = make_task(plan=plan, number=1, due_on=today - timedelta(days=1), lead_units=[lead])
    make_task(plan=plan, number=2, due_on=today + timedelta(days=10))
    make_task(plan=plan, number=3, due_on=today + timedelta(days=90))
    ProgressReport.objects.create(
        task=overdue, unit=lead, status=TaskStatus.IN_PROGRESS, progress=10, text="推进中"
    )

    response = office_client.get(CHANGELIST)

    html = response.content.decode()
    assert response.status_code == 200
    assert "市行政审批局" in html and "测试方案甲" in html
    assert f"{today - timedelta(days=1):%Y年%m月%d日}" in html
    assert "文件规定" in html
    assert html.count('class="flag flag-red" title=') == 1
    assert html.count('class="flag flag-amber" title=') == 1
    assert html.count('class="flag flag-green" title=') == 1
    assert f"{today:%Y年%m月%d日}" in html  # the last report, made today


def test_overdue_filter_uses_the_queryset_definition(office_client):
    today = timezone.localdate()
    plan = make_plan()
    make_task(plan=plan, number=1, due_on=today - timedelta(days=5))
    make_task(
        plan=plan,
        number=2,
        due_on=today - timedelta(days=5),
        status=TaskStatus.COMPLETED,
        completed_on=today - timedelta(days=6),
    )
    make_task(plan=plan, number=3, is_ongoing=True)

    response = office_client.get(CHANGELIST, {"overdue": "true"})

    assert listed_numbers(response) == [1]
    assert set(Task.objects.overdue(today).values_list("number", flat=True)) == {1}


def test_filters_by_plan_lead_unit_responsible_unit_and_missing_lead(office_client):
    lead, partner = make_unit("州税务局"), make_unit("州公安局")
    plan, other = make_plan(), make_plan()
    make_task(plan=plan, number=1, lead_units=[lead], responsible_units=[partner])
    make_task(plan=plan, number=2, responsible_units=[lead])
    make_task(plan=other, number=3, lead_units=[partner])

    assert listed_numbers(office_client.get(CHANGELIST, {"plan": plan.pk})) == [1, 2]
    assert listed_numbers(office_client.get(CHANGELIST, {"lead_unit": lead.pk})) == [1]
    assert listed_numbers(office_client.get(CHANGELIST, {"responsible_unit": lead.pk})) == [2]
    assert listed_numbers(office_client.get(CHANGELIST, {"has_lead": "false"})) == [2]


def test_unit_filters_are_drop_downs_narrowed_to_the_chosen_plan(office_client, imported_plans):
    plan = imported_plans[XIANGTAN]
    all_leads = office_client.get(CHANGELIST).content.decode()
    response = office_client.get(CHANGELIST, {"plan": plan.pk})
    page = response.content.decode()

    assert '<select name="lead_unit"' in page and '<select name="responsible_unit"' in page
    plan_lead_ids = TaskUnit.objects.filter(task__plan=plan, role=UnitRole.LEAD).values("unit")
    plan_leads = {unit.full_name for unit in Unit.objects.filter(pk__in=plan_lead_ids)}
    other_lead = (
        Unit.objects.filter(task_units__role=UnitRole.LEAD).exclude(pk__in=plan_lead_ids).first()
    ).full_name
    assert all(f">{name}</option>" in page for name in plan_leads)
    assert f">{other_lead}</option>" in all_leads
    assert f">{other_lead}</option>" not in page
    # The drop-down keeps the chosen plan when it is submitted.
    assert f'<input type="hidden" name="plan" value="{plan.pk}">' in page


def test_filters_by_status_section_warnings_and_due_window(office_client, imported_plans):
    plan = imported_plans[XIANGTAN]
    Task.objects.exclude(plan=plan).delete()
    section = plan.sections.get(position=1)
    Task.objects.filter(plan=plan, number=4).update(warnings=["单位未识别"])
    Task.objects.filter(plan=plan, number=5).update(status=TaskStatus.BLOCKED)
    Deadline.objects.filter(task__plan=plan, task__number=6).update(
        due_on=date(2022, 3, 1), source=DeadlineSource.MANUAL
    )

    assert listed_numbers(office_client.get(CHANGELIST, {"section": section.pk})) == [
        t.number for t in section.tasks.all()
    ]
    assert listed_numbers(office_client.get(CHANGELIST, {"has_warnings": "yes"})) == [4]
    assert listed_numbers(office_client.get(CHANGELIST, {"status": "blocked"})) == [5]
    window = {"due_after": "2022-02-01", "due_before": "2022-04-01"}
    assert listed_numbers(office_client.get(CHANGELIST, window)) == [6]


def test_search_matches_title_body_and_unit_names_in_chinese(office_client):
    unit = make_unit("湘潭银保监分局")
    plan = make_plan()
    make_task(plan=plan, number=1, responsible_units=[unit])
    make_task(plan=plan, number=2)
    Task.objects.filter(number=2).update(body="推行“掌上办”")

    assert listed_numbers(office_client.get(CHANGELIST, {"q": "银保监"})) == [1]
    assert listed_numbers(office_client.get(CHANGELIST, {"q": "掌上办"})) == [2]


def test_sorting_by_due_date(office_client):
    plan = make_plan()
    make_task(plan=plan, number=1, due_on=date(2022, 9, 1))
    make_task(plan=plan, number=2, due_on=date(2022, 3, 1))
    response = office_client.get(CHANGELIST, {"o": "6"})  # 6th column: 完成时限
    assert [task.number for task in response.context["cl"].result_list] == [2, 1]


def _changelist_queries(client, django_assert_max_num_queries):
    # session, user, the user's roles, permissions (2), plan / lead-unit / responsible-unit
    # filter choices (3), counts (2), the page of tasks, their lead units: 12 whatever the
    # number of rows; unread messages (the bell): 13.
    with django_assert_max_num_queries(13):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return response


def test_list_query_count_is_bounded_with_the_five_plans(
    office_client, imported_plans, django_assert_max_num_queries
):
    _changelist_queries(office_client, django_assert_max_num_queries)


def test_list_query_count_is_bounded_with_5000_tasks(office_client, django_assert_max_num_queries):
    plan = make_plan()
    units = [make_unit() for _ in range(3)]
    tasks = Task.objects.bulk_create(
        Task(plan=plan, number=n, title=f"任务{n}", body="内容") for n in range(1, 5001)
    )
    Deadline.objects.bulk_create(
        Deadline(task=t, due_on=date(2022, 6, 30), source=DeadlineSource.DOCUMENT) for t in tasks
    )
    Task.units.through.objects.bulk_create(
        Task.units.through(task=t, unit=units[t.number % 3], role="lead") for t in tasks
    )
    response = _changelist_queries(office_client, django_assert_max_num_queries)
    assert response.context["cl"].result_count == 5000


FILTERED_PAGES = [
    ({"plan": "{plan}", "lead_unit": "{unit}"}, 1667),
    ({"responsible_unit": "{unit}", "overdue": "true"}, 1666),
    ({"q": "审批", "o": "-6"}, 2500),
    ({"due_after": "2022-01-01", "due_before": "2023-01-01", "has_lead": "true"}, 5000),
    ({"status": TaskStatus.IN_PROGRESS, "_facets": "1"}, 0),
]


@pytest.mark.parametrize(("params", "expected"), FILTERED_PAGES)
def test_filtered_and_faceted_list_queries_stay_bounded_with_5000_tasks(
    office_client, office_user, django_assert_max_num_queries, params, expected
):
    plan = make_plan()
    units = [make_unit() for _ in range(3)]
    tasks = Task.objects.bulk_create(
        Task(plan=plan, number=n, title=f"任务{n}", body="审批" if n % 2 else "服务")
        for n in range(1, 5001)
    )
    Deadline.objects.bulk_create(
        Deadline(task=t, due_on=date(2022, 6, 30), source=DeadlineSource.DOCUMENT) for t in tasks
    )
    links = Task.units.through
    links.objects.bulk_create(
        [links(task=t, unit=units[t.number % 3], role="lead") for t in tasks]
        + [links(task=t, unit=units[(t.number + 1) % 3], role="responsible") for t in tasks]
    )
    ProgressReport.objects.bulk_create(
        ProgressReport(
            task=t, author=office_user, status=TaskStatus.NOT_STARTED, progress=0, text="推进"
        )
        for t in tasks[:500]
    )
    query = {k: v.format(plan=plan.pk, unit=units[1].pk) for k, v in params.items()}
    # As the plain list; plus the section choices once a plan is chosen; plus, when counts
    # are shown, one facet-count query per sidebar filter (9). None grows with the rows.
    bound = 13 + ("plan" in query) + (9 if "_facets" in query else 0)
    with django_assert_max_num_queries(bound):
        response = office_client.get(CHANGELIST, query)
    assert response.status_code == 200
    assert response.context["cl"].result_count == expected
    assert len(response.context["cl"].result_list) == min(expected, 50)


def test_leader_reads_the_list_without_actions(client, leader_user):
    make_task()
    client.force_login(leader_user)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "mark_completed" not in response.content.decode()
    assert client.get(reverse("admin:tasks_task_add")).status_code == 403


def test_unit_user_does_not_get_the_admin(client):
    unit_user = make_user(units=[make_unit()])
    client.force_login(unit_user)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

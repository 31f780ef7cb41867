"""Every admin list page runs a bounded number of queries, however many rows it shows."""

from datetime import date

import pytest
from django.urls import reverse

from deadlines.models import DeadlineExtension
from tasks.choices import TaskStatus
from tasks.models import ProgressReport, Task

pytestmark = pytest.mark.django_db

# Bounds: session, user, the user's roles (the admin site requires office or leader),
# permissions, sidebar filter choices, counts, the page, and one prefetch or two; none of
# them grows with the number of rows.
LIST_PAGES = {
    "tasks_plan": 11,  # + the 发文政府 filter choices
    "tasks_task": 12,
    "tasks_section": 10,
    "tasks_progressreport": 9,
    "units_unit": 9,
    "units_unitalias": 9,
    "units_unitmembership": 9,
    "deadlines_deadline": 10,
    "deadlines_milestone": 10,
    "deadlines_deadlineextension": 10,
}


def add_rows_everywhere(office_user):
    for task in Task.objects.all()[:60]:
        ProgressReport.objects.create(
            task=task, author=office_user, status=TaskStatus.IN_PROGRESS, progress=10, text="推进"
        )
        DeadlineExtension.objects.create(
            deadline=task.deadline,
            previous_due_on=task.deadline.due_on,
            requested_due_on=date(2030, 1, 1),
            reason="理由",
            requested_by=office_user,
        )


def test_list_pages_queries_do_not_grow_with_rows(
    client, office_user, imported_plans, django_assert_max_num_queries
):
    # One test for all pages: loading the five plans is the slow part.
    add_rows_everywhere(office_user)
    client.force_login(office_user)
    for page, bound in LIST_PAGES.items():
        # + 1: the bell's unread-message count on every page
        with django_assert_max_num_queries(bound + 1):
            response = client.get(reverse(f"admin:{page}_changelist"))
        assert response.status_code == 200, page

"""`/api/tasks/?format=csv` is streamed: every matching task, read in chunks (issue 14)."""

import csv
import io

import pytest

from tasks.api import views
from tasks.models import Task

pytestmark = pytest.mark.django_db


def test_csv_of_every_task_is_streamed_in_chunks(
    client, office_user, imported_plans, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(views, "CSV_CHUNK", 50)
    client.force_login(office_user)
    response = client.get("/api/tasks/", {"format": "csv"})
    assert response.status_code == 200 and response.streaming
    total = Task.objects.count()
    chunks = -(-total // 50)
    # Per chunk: the tasks (with plan, section, deadline) + units + milestones.
    with django_assert_max_num_queries(3 * chunks + 2):
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 1 + total
    ids = [int(row[0]) for row in rows[1:]]
    assert ids == list(Task.objects.order_by("plan_id", "number").values_list("pk", flat=True))

"""Who may do what over the API: role × endpoint × method → status code.

The API asks the same permission layer as the pages (tasks.rules, Task.objects.visible_to):
the office edits everything, unit users report and request on their own tasks, leaders
read, anonymous callers are refused, and another unit's task does not exist (404).
"""

from datetime import date

import pytest
from rest_framework.test import APIClient

from deadlines.models import DeadlineExtension, Milestone
from units.roles import LEADER_GROUP, OFFICE_GROUP

from .conftest import make_task, make_unit, make_user

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "leader", "office", "own_unit", "other_unit")


@pytest.fixture
def world():
    lead, other = make_unit("区商务局"), make_unit("区文旅体局")
    task = make_task(lead_units=[lead], due_on=date(2021, 4, 30))
    other_task = make_task(plan=task.plan, lead_units=[other])
    extension = DeadlineExtension.objects.create(
        deadline=task.deadline,
        previous_due_on=date(2021, 4, 30),
        requested_due_on=date(2021, 6, 30),
        reason="理由",
    )
    users = {
        "anonymous": None,
        "leader": make_user(group=LEADER_GROUP, is_staff=True),
        "office": make_user(group=OFFICE_GROUP, is_staff=True),
        "own_unit": make_user(units=[lead]),
        "other_unit": make_user(units=[other]),
    }
    milestone = Milestone.objects.create(
        deadline=task.deadline, due_on=date(2021, 3, 31), text="制定方案"
    )
    return {
        "milestone": milestone,
        "membership": users["own_unit"].unit_memberships.get(),
        "task": task,
        "other_task": other_task,
        "plan": task.plan,
        "unit": lead,
        "deadline": task.deadline,
        "extension": extension,
        "users": users,
    }


REPORT = {"status": "in_progress", "progress": 10, "text": "进展", "version": 1}

# (method, url, payload, expected status per role in ROLES order)
MATRIX = [
    # reads
    ("get", "/api/plans/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/plans/{plan}/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/sections/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/tasks/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/tasks/{task}/", None, (403, 200, 200, 200, 404)),
    ("get", "/api/tasks/{task}/reports/", None, (403, 200, 200, 200, 404)),
    ("get", "/api/tasks/{task}/extensions/", None, (403, 200, 200, 200, 404)),
    ("get", "/api/task-units/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/reports/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/units/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/unit-aliases/", None, (403, 200, 200, 403, 403)),
    ("get", "/api/unit-memberships/", None, (403, 200, 200, 403, 403)),
    ("get", "/api/deadlines/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/deadlines/{deadline}/", None, (403, 200, 200, 200, 404)),
    ("get", "/api/milestones/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/extensions/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/extensions/{extension}/", None, (403, 200, 200, 200, 404)),
    ("get", "/api/milestones/{milestone}/", None, (403, 200, 200, 200, 404)),
    ("get", "/api/unit-memberships/{membership}/", None, (403, 200, 200, 403, 403)),
    ("get", "/api/supervision/notices/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/supervision/acknowledgements/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/supervision/scores/", None, (403, 200, 200, 200, 200)),
    # dashboard figures: leaders and the office only, as on the page
    ("get", "/api/dashboard/", None, (403, 200, 200, 403, 403)),
    # exports: the plan ledger holds only the caller's own tasks (both units have one here)
    ("get", "/api/plans/{plan}/ledger.xlsx/", None, (403, 200, 200, 200, 200)),
    ("get", "/api/tasks/?format=csv", None, (403, 200, 200, 200, 200)),
    ("get", "/api/tasks/{task}/?format=csv", None, (403, 200, 200, 200, 404)),
    # unit workflows
    ("post", "/api/tasks/{task}/reports/", REPORT, (403, 403, 201, 201, 404)),
    (
        "post",
        "/api/tasks/{task}/request-completion/",
        {"text": "已完成", "version": 1},
        (403, 403, 201, 201, 404),
    ),
    (
        "post",
        "/api/tasks/{task}/extensions/",
        {"requested_due_on": "2021-07-31", "reason": "理由"},
        # the office moves deadlines directly rather than asking itself; a pending
        # request already exists, so the lead unit gets a field error
        (403, 403, 403, 400, 404),
    ),
    # office-only workflows
    ("post", "/api/tasks/{task}/complete/", {"version": 1}, (403, 403, 200, 403, 403)),
    ("post", "/api/tasks/{task}/reopen/", {"version": 1}, (403, 403, 200, 403, 403)),
    ("post", "/api/extensions/{extension}/approve/", {}, (403, 403, 200, 403, 403)),
    ("post", "/api/extensions/{extension}/reject/", {"note": "否"}, (403, 403, 200, 403, 403)),
    # office edits
    (
        "post",
        "/api/plans/",
        {"title": "新方案", "year": 2022, "source_file": "new.txt"},
        (403, 403, 201, 403, 403),
    ),
    ("patch", "/api/plans/{plan}/", {"title": "改名"}, (403, 403, 200, 403, 403)),
    ("delete", "/api/plans/{plan}/", None, (403, 403, 204, 403, 403)),
    (
        "post",
        "/api/sections/",
        {"plan": "{plan}", "numeral": "一", "title": "标题", "level": 1, "position": 0},
        (403, 403, 201, 403, 403),
    ),
    (
        "post",
        "/api/tasks/",
        {"plan": "{plan}", "number": 50, "title": "新任务", "body": "内容"},
        (403, 403, 201, 403, 403),
    ),
    ("patch", "/api/tasks/{task}/", {"progress": 50, "version": 1}, (403, 403, 200, 403, 403)),
    (
        "put",
        "/api/tasks/{task}/",
        {"plan": "{plan}", "number": 1, "title": "改写", "body": "内容", "version": 1},
        (403, 403, 200, 403, 403),
    ),
    ("delete", "/api/tasks/{other_task}/", None, (403, 403, 204, 403, 403)),
    (
        "post",
        "/api/task-units/",
        {"task": "{task}", "unit": "{unit}", "role": "responsible"},
        (403, 403, 201, 403, 403),
    ),
    ("patch", "/api/deadlines/{deadline}/", {"text": "6月底"}, (403, 403, 200, 403, 403)),
    (
        "post",
        "/api/milestones/",
        {"deadline": "{deadline}", "due_on": "2021-02-28", "text": "节点"},
        (403, 403, 201, 403, 403),
    ),
    ("patch", "/api/milestones/{milestone}/", {"text": "改"}, (403, 403, 200, 403, 403)),
    ("delete", "/api/milestones/{milestone}/", None, (403, 403, 204, 403, 403)),
    # extension requests are decided, never deleted
    ("delete", "/api/extensions/{extension}/", None, (403, 403, 405, 403, 403)),
    ("post", "/api/units/", {"name": "新单位"}, (403, 403, 201, 403, 403)),
    ("patch", "/api/units/{unit}/", {"is_collective": True}, (403, 403, 200, 403, 403)),
    ("post", "/api/unit-aliases/", {"unit": "{unit}", "name": "商务局"}, (403, 403, 201, 403, 403)),
    (
        "post",
        "/api/unit-memberships/",
        {"user": "{leader_user}", "unit": "{unit}", "phone": "0743-1234567"},
        (403, 403, 201, 403, 403),
    ),
    ("patch", "/api/unit-memberships/{membership}/", {"phone": "110"}, (403, 403, 200, 403, 403)),
    ("delete", "/api/unit-memberships/{membership}/", None, (403, 403, 204, 403, 403)),
]


def _fill(value, world):
    ids = {
        "plan": world["plan"].pk,
        "task": world["task"].pk,
        "other_task": world["other_task"].pk,
        "unit": world["unit"].pk,
        "deadline": world["deadline"].pk,
        "extension": world["extension"].pk,
        "milestone": world["milestone"].pk,
        "membership": world["membership"].pk,
        "leader_user": world["users"]["leader"].pk,
    }
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    return value


CASES = [
    pytest.param(method, url, payload, role, expected, id=f"{role}-{method}-{url}")
    for method, url, payload, codes in MATRIX
    for role, expected in zip(ROLES, codes, strict=True)
]


@pytest.mark.parametrize(("method", "url", "payload", "role", "expected"), CASES)
def test_permission_matrix(world, method, url, payload, role, expected):
    client = APIClient()
    user = world["users"][role]
    if user is not None:
        client.force_authenticate(user)
    data = {key: _fill(value, world) for key, value in (payload or {}).items()}
    response = getattr(client, method)(_fill(url, world), data or None, format="json")
    assert response.status_code == expected, response.content
    if response.status_code >= 400 and "format=csv" in url:
        assert response.content.decode("utf-8-sig").startswith("错误")
    elif response.status_code >= 400:
        assert set(response.json()) == {"detail", "code", "errors"}

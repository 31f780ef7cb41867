"""Writes over the API: the same services and rules as the pages, 409 on stale versions."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from deadlines.choices import ExtensionStatus
from deadlines.models import Deadline
from tasks.choices import TaskStatus
from tasks.models import ProgressReport, Task
from units.models import UnitAlias

from .conftest import make_task, make_unit, make_user

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def setting():
    """A task led by one unit with another responsible, and a user for each unit."""
    lead, responsible = make_unit("区商务局"), make_unit("区发改局")
    task = make_task(lead_units=[lead], responsible_units=[responsible], due_on=date(2021, 4, 30))
    return {
        "task": task,
        "lead": lead,
        "lead_user": make_user(units=[lead]),
        "responsible_user": make_user(units=[responsible]),
    }


def test_lead_unit_reports_progress_and_task_moves_with_it(setting):
    task = setting["task"]
    response = client_for(setting["lead_user"]).post(
        f"/api/tasks/{task.pk}/reports/",
        {"status": "in_progress", "progress": 40, "text": "已完成方案起草", "version": 1},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.data["unit_name"] == "区商务局"
    task.refresh_from_db()
    assert (task.status, task.progress, task.version) == (TaskStatus.IN_PROGRESS, 40, 2)


def test_report_with_stale_version_is_409_and_nothing_is_saved(setting):
    task = setting["task"]
    client = client_for(setting["lead_user"])
    payload = {"status": "in_progress", "progress": 40, "text": "第一次", "version": 1}
    assert client.post(f"/api/tasks/{task.pk}/reports/", payload, format="json").status_code == 201
    response = client.post(
        f"/api/tasks/{task.pk}/reports/", {**payload, "text": "第二次"}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "该任务已被他人更新,请刷新页面后重新提交。",
        "code": "version_conflict",
        "errors": {},
    }
    assert ProgressReport.objects.filter(task=task).count() == 1


def test_reports_of_a_task_are_listed_newest_first(setting):
    task = setting["task"]
    client = client_for(setting["responsible_user"])
    for version, text in ((1, "一"), (2, "二")):
        payload = {"status": "in_progress", "progress": 10, "text": text, "version": version}
        client.post(f"/api/tasks/{task.pk}/reports/", payload, format="json")
    data = client.get(f"/api/tasks/{task.pk}/reports/").data
    assert [r["text"] for r in data["results"]] == ["二", "一"]


def test_responsible_unit_completion_request_waits_for_the_lead_unit(setting, office_user):
    """Issue 15 point 5: the lead unit checks it before the office may 销号."""
    task = setting["task"]
    response = client_for(setting["responsible_user"]).post(
        f"/api/tasks/{task.pk}/request-completion/",
        {"text": "已完成", "version": 1},
        format="json",
    )
    assert response.status_code == 201
    assert task.reviews.get().stage == "lead_unit"
    response = client_for(office_user).post(f"/api/tasks/{task.pk}/complete/", {"version": 2})
    assert response.status_code == 400
    assert "牵头单位审核" in str(response.json())


def test_completion_request_then_office_verifies_then_reopens(setting, office_user):
    task = setting["task"]
    response = client_for(setting["lead_user"]).post(
        f"/api/tasks/{task.pk}/request-completion/", {"text": "已完成", "version": 1}, format="json"
    )
    assert response.status_code == 201
    office = client_for(office_user)
    response = office.post(
        f"/api/tasks/{task.pk}/complete/", {"version": 2, "completed_on": "2021-04-28"}
    )
    assert response.status_code == 200
    assert (response.data["status"], response.data["completed_on"]) == ("completed", "2021-04-28")
    response = office.post(f"/api/tasks/{task.pk}/reopen/", {"version": 3, "reason": "材料不全"})
    assert (response.status_code, response.data["status"]) == (200, "in_progress")


def test_office_edits_a_task_with_its_version(setting, office_user):
    task = setting["task"]
    office = client_for(office_user)
    response = office.patch(
        f"/api/tasks/{task.pk}/", {"title": "改后的标题", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.data["title"], response.data["version"]) == ("改后的标题", 2)
    stale = office.patch(f"/api/tasks/{task.pk}/", {"title": "再改", "version": 1}, format="json")
    assert stale.status_code == 409
    assert Task.objects.get(pk=task.pk).title == "改后的标题"


def test_task_update_without_version_is_rejected(setting, office_user):
    task = setting["task"]
    response = client_for(office_user).patch(
        f"/api/tasks/{task.pk}/", {"title": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"version": ["修改任务时须提供读取时的版本号"]}


def test_duplicate_task_number_in_a_plan_is_a_field_error(setting, office_user):
    task = setting["task"]
    payload = {"plan": task.plan_id, "number": task.number, "title": "重复", "body": "内容"}
    response = client_for(office_user).post("/api/tasks/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_office_creates_a_task_and_reads_it_back(setting, office_user):
    plan_id = setting["task"].plan_id
    payload = {"plan": plan_id, "number": 99, "title": "新增任务", "body": "内容"}
    response = client_for(office_user).post("/api/tasks/", payload, format="json")
    assert response.status_code == 201, response.content
    assert (response.data["number"], response.data["version"], response.data["due_on"]) == (
        99,
        1,
        None,
    )


def test_nul_bytes_in_input_are_400(setting):
    task = setting["task"]
    response = client_for(setting["lead_user"]).post(
        f"/api/tasks/{task.pk}/reports/",
        {"status": "in_progress", "progress": 1, "text": "a\x00b", "version": 1},
        format="json",
    )
    assert response.status_code == 400
    assert "text" in response.json()["errors"]


def test_bad_date_in_body_is_400(setting):
    task = setting["task"]
    response = client_for(setting["lead_user"]).post(
        f"/api/tasks/{task.pk}/extensions/",
        {"requested_due_on": "2021-02-30", "reason": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "requested_due_on" in response.json()["errors"]


def test_extension_request_and_office_approval_move_the_deadline(setting, office_user):
    task = setting["task"]
    response = client_for(setting["lead_user"]).post(
        f"/api/tasks/{task.pk}/extensions/",
        {"requested_due_on": "2021-06-30", "reason": "项目用地尚未批复"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.data["previous_due_on"] == "2021-04-30"
    extension_id = response.data["id"]
    office = client_for(office_user)
    response = office.post(f"/api/extensions/{extension_id}/approve/", {"note": "同意"})
    assert (response.status_code, response.data["status"]) == (200, ExtensionStatus.APPROVED)
    assert Deadline.objects.get(task=task).due_on == date(2021, 6, 30)
    again = office.post(f"/api/extensions/{extension_id}/reject/", {"note": "x"})
    assert again.status_code == 400


def test_rejecting_an_extension_needs_a_note(setting, office_user):
    task = setting["task"]
    created = client_for(setting["lead_user"]).post(
        f"/api/tasks/{task.pk}/extensions/",
        {"requested_due_on": "2021-06-30", "reason": "理由"},
        format="json",
    )
    response = client_for(office_user).post(f"/api/extensions/{created.data['id']}/reject/", {})
    assert response.status_code == 400
    assert response.json()["errors"] == {"decision_note": ["驳回时请填写意见"]}


def test_deleting_a_unit_named_on_tasks_is_409(setting, office_user):
    response = client_for(office_user).delete(f"/api/units/{setting['lead'].pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "protected"


def test_office_adds_an_alias_and_a_member(setting, office_user):
    office = client_for(office_user)
    unit = setting["lead"]
    response = office.post("/api/unit-aliases/", {"unit": unit.pk, "name": "商务局"})
    assert response.status_code == 201
    assert UnitAlias.objects.get(name="商务局").unit == unit
    member = make_user()
    response = office.post(
        "/api/unit-memberships/", {"user": member.pk, "unit": unit.pk, "phone": "0746-1234567"}
    )
    assert response.status_code == 201
    assert Task.objects.visible_to(member).filter(pk=setting["task"].pk).exists()


def test_deadline_must_have_a_date_unless_ongoing(setting, office_user):
    deadline = setting["task"].deadline
    response = client_for(office_user).patch(
        f"/api/deadlines/{deadline.pk}/", {"due_on": None}, format="json"
    )
    assert response.status_code == 400
    assert "due_on" in response.json()["errors"]


def test_nul_byte_in_a_token_is_refused_not_a_500(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token abc\x00def")
    assert client.get("/api/tasks/").status_code in (401, 403)


def test_nul_byte_in_a_path_id_is_404(setting, office_user):
    assert client_for(office_user).get("/api/tasks/1%00/").status_code == 404


def test_a_task_without_a_deadline_reads_null_deadline_fields(setting, office_user):
    """Found by the schema fuzz run: these four were documented as never null."""
    plan_id = setting["task"].plan_id
    payload = {"plan": plan_id, "number": 98, "title": "新增任务", "body": "内容"}
    created = client_for(office_user).post("/api/tasks/", payload, format="json").json()
    fields = ("due_on", "deadline_text", "deadline_source", "is_ongoing")
    assert [created[name] for name in fields] == [None, None, None, None]
    schema = client_for(office_user).get("/api/schema/", {"format": "json"}).json()
    task_schema = schema["components"]["schemas"]["Task"]["properties"]
    assert all(task_schema[name].get("nullable") for name in fields)


def test_an_extension_for_a_task_without_a_deadline_is_a_field_error(setting, office_user):
    office = client_for(office_user)
    payload = {"plan": setting["task"].plan_id, "number": 97, "title": "新增任务", "body": "内容"}
    created = office.post("/api/tasks/", payload, format="json").json()
    response = office.post(
        f"/api/tasks/{created['id']}/extensions/",
        {"requested_due_on": "2021-06-30", "reason": "理由"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"requested_due_on": ["该任务尚未设定完成时限"]}


@pytest.mark.parametrize("action", ["reports", "extensions"])
def test_csv_is_offered_on_task_lists_only_not_on_a_tasks_reports(setting, action):
    """`?format=csv` on a task's reports used to be a 500 (a CSV of reports is not a task list)."""
    task = setting["task"]
    response = client_for(setting["lead_user"]).get(
        f"/api/tasks/{task.pk}/{action}/", {"format": "csv"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_body_that_is_not_json_gets_a_chinese_message(setting):
    """DRF's own text ("JSON parse error - Expecting property name…") leaked English."""
    task = setting["task"]
    response = client_for(setting["lead_user"]).post(
        f"/api/tasks/{task.pk}/reports/", "{bad", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "JSON parse error" not in response.json()["detail"]
    assert response.json()["detail"].startswith("请求内容无法解析")


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def test_report_attachment_sent_as_multipart_is_stored(setting, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    task = setting["task"]
    response = client_for(setting["lead_user"]).post(
        f"/api/tasks/{task.pk}/reports/",
        {
            "status": "in_progress",
            "progress": 40,
            "text": "附上方案",
            "version": 1,
            "attachment": SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.data["attachment_name"] == "方案.pdf"
    report = ProgressReport.objects.get(task=task)
    assert report.attachment_name == "方案.pdf"
    assert report.attachment.read() == PDF


@pytest.mark.parametrize(
    ("field", "name", "content", "message"),
    [
        ("attachment", "伪装.pdf", b"MZ\x90\x00 not a pdf", "附件内容与文件扩展名不符"),
        ("attachment", "脚本.exe", PDF, "不支持的附件类型"),
        ("file", "方案.pdf", PDF, "附件请用字段名 attachment 上传"),
    ],
)
def test_report_attachment_that_cannot_be_stored_is_400_naming_why(
    setting, settings, tmp_path, field, name, content, message
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    task = setting["task"]
    response = client_for(setting["lead_user"]).post(
        f"/api/tasks/{task.pk}/reports/",
        {
            "status": "in_progress",
            "progress": 40,
            "text": "附上方案",
            "version": 1,
            field: SimpleUploadedFile(name, content),
        },
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert response.json()["errors"][field]
    assert not ProgressReport.objects.filter(task=task).exists()


def test_report_schema_documents_the_attachment(setting, office_user):
    schema = client_for(office_user).get("/api/schema/?format=json").json()
    body = schema["paths"]["/api/tasks/{id}/reports/"]["post"]["requestBody"]["content"]
    fields = body["multipart/form-data"]["schema"]
    name = fields["$ref"].rsplit("/", 1)[-1]
    assert "attachment" in schema["components"]["schemas"][name]["properties"]


@pytest.mark.parametrize("depth", [500, 50_000])
@pytest.mark.parametrize("action", ["reports", "extensions"])
def test_deeply_nested_json_is_a_400_in_the_api_error_shape(setting, action, depth):
    """500 levels broke a server with a deeper stack than the tests; 50,000 breaks any."""
    task = setting["task"]
    client = client_for(setting["lead_user"])
    client.raise_request_exception = False
    response = client.post(
        f"/api/tasks/{task.pk}/{action}/",
        "[" * depth + "]" * depth,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "parse_error"

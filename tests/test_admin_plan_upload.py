"""Uploading a policy document in the admin: preview first, nothing written before confirm."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deadlines.models import Deadline
from ops.choices import ImportVia
from ops.models import ImportLog
from regions.models import Region
from tasks.models import Plan, Section, Task, TaskUnit
from units.models import Unit

from .conftest import XIANGTAN

pytestmark = pytest.mark.django_db
UPLOAD = reverse("admin:tasks_plan_upload")
TEXT = (settings.POLICY_FIXTURES_DIR / XIANGTAN).read_text(encoding="utf-8")


def row_counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Plan, Section, Task, TaskUnit, Deadline, Unit))


def upload(client, text: str, *, name=XIANGTAN, encoding="utf-8"):
    document = SimpleUploadedFile(name, text.encode(encoding), content_type="text/plain")
    return client.post(UPLOAD, {"document": document})


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


def test_preview_shows_tasks_units_deadlines_and_writes_nothing(office_client):
    before = row_counts()

    response = upload(office_client, TEXT)

    html = response.content.decode()
    assert response.status_code == 200
    assert "湘潭市2022年纵深推进" in html
    assert "市行政审批局" in html and "揭榜竞优" in html
    assert "确认导入" in html
    assert row_counts() == before == (0, 0, 0, 0, 0, 0)


def test_confirm_imports_the_previewed_text(office_client):
    preview = upload(office_client, TEXT)
    digest = preview.context["digest"]

    response = office_client.post(UPLOAD, {"confirm": "1", "hash": digest})

    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:tasks_plan_change", args=[plan.pk])
    assert (plan.source_file, plan.tasks.count()) == (XIANGTAN, 10)
    assert "plan_upload" not in office_client.session
    log = ImportLog.objects.get()
    assert (log.source_file, log.via, log.plan) == (XIANGTAN, ImportVia.ADMIN, plan)
    assert log.user.groups.filter(name="优化办").exists()


def test_cancel_discards_the_upload(office_client):
    upload(office_client, TEXT)
    office_client.post(UPLOAD, {"cancel": "1"})
    assert "plan_upload" not in office_client.session
    assert office_client.post(UPLOAD, {"confirm": "1", "hash": "x"}).status_code == 302
    assert row_counts() == (0, 0, 0, 0, 0, 0)


def test_gb18030_document_is_decoded(office_client):
    response = upload(office_client, TEXT, encoding="gb18030")
    assert "市行政审批局" in response.content.decode()


def test_binary_or_wrong_type_is_refused_with_a_reason(office_client):
    pdf = SimpleUploadedFile("plan.txt", b"%PDF-1.4 binary", content_type="text/plain")
    response = office_client.post(UPLOAD, {"document": pdf})
    assert "不是纯文本" in response.content.decode()
    response = upload(office_client, TEXT, name="plan.docx")
    assert "plan.docx:文件扩展名是 .docx,内容却是纯文本格式" in response.content.decode()
    assert row_counts() == (0, 0, 0, 0, 0, 0)


def test_reimport_of_changed_document_shows_added_changed_and_removed(office_client):
    upload(office_client, TEXT)
    office_client.post(
        UPLOAD, {"confirm": "1", "hash": office_client.session["plan_upload"]["hash"]}
    )
    plan = Plan.objects.get()
    changed_text = TEXT.replace(
        "出台湘潭市“十四五”数字政府建设实施方案。", "出台数字政府建设三年行动计划。"
    )
    changed_text = (
        changed_text[: changed_text.index("十、深化改革")]
        + changed_text[changed_text.index("来 源:") :]
    )
    before = row_counts()

    response = upload(office_client, changed_text)

    changes = response.context["changes"]
    assert (changes["added"], changes["changed"], changes["removed"]) == ([], [3], [10])
    assert "已有方案" in response.content.decode()
    assert row_counts() == before
    plan.refresh_from_db()
    assert "三年行动计划" not in plan.source_text


def test_leader_cannot_upload(client, leader_user):
    client.force_login(leader_user)
    assert client.get(UPLOAD).status_code == 403


UNDETECTED = TEXT.replace("湘潭市", "莲城市").replace("湘潭", "莲城")


def test_preview_shows_the_detected_government_for_confirmation(office_client):
    html = upload(office_client, TEXT).content.decode()
    assert "识别的发文政府:<strong>湘潭市</strong>" in html
    assert "发文单位“湘潭市人民政府办公室”" in html
    xiangtan = Region.objects.get(code="430300")
    assert f'<option value="{xiangtan.pk}" selected>' in html


def test_undetected_government_must_be_chosen_before_import(office_client):
    html = upload(office_client, UNDETECTED, name="liancheng.txt").content.decode()
    assert "未能从文号、发文单位和标题识别发文政府" in html
    digest = office_client.session["plan_upload"]["hash"]

    refused = office_client.post(UPLOAD, {"confirm": "1", "hash": digest, "region": ""})
    assert "请选择发文政府" in refused.content.decode()
    assert row_counts() == (0, 0, 0, 0, 0, 0)

    zhuzhou = Region.objects.get(code="430200")
    office_client.post(UPLOAD, {"confirm": "1", "hash": digest, "region": zhuzhou.pk})
    plan = Plan.objects.get(source_file="liancheng.txt")
    assert plan.region == zhuzhou
    assert {unit.region for unit in Unit.objects.filter(task_units__task__plan=plan)} == {zhuzhou}


def test_office_may_choose_another_government_than_the_detected_one(office_client):
    upload(office_client, TEXT)
    hunan = Region.objects.get(code="430000")
    digest = office_client.session["plan_upload"]["hash"]
    office_client.post(UPLOAD, {"confirm": "1", "hash": digest, "region": hunan.pk})
    assert Plan.objects.get().region == hunan

"""Unit users from the command line (add_unit_user) and from an Excel sheet."""

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from units.models import UnitAlias, UnitMembership
from units.services import unit_users_import

from .conftest import make_unit

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("add_unit_user", *args, stdout=out)
    return out.getvalue()


def test_new_user_gets_a_printed_password_that_works(client):
    make_unit("州市场监督管理局")
    output = run("zhangsan", "--unit", "州市场监督管理局", "--name", "张三")
    password = output.split("初始密码:")[1].split("(")[0]
    assert len(password) == 12
    user = get_user_model().objects.get(username="zhangsan")
    assert user.first_name == "张三"
    assert user.check_password(password)
    assert [m.unit.name for m in user.unit_memberships.all()] == ["州市场监督管理局"]
    assert client.login(username="zhangsan", password=password)


def test_unit_can_be_given_by_alias_and_password_by_option():
    unit = make_unit("人民银行湘西州中心支行")
    UnitAlias.objects.create(unit=unit, name="人行湘西州中心支行")
    output = run("lisi", "--unit", "人行湘西州中心支行", "--password", "Xiangxi-2026-pw")
    assert "初始密码" not in output
    user = get_user_model().objects.get(username="lisi")
    assert user.check_password("Xiangxi-2026-pw")
    assert UnitMembership.objects.get(user=user).unit == unit


def test_unknown_unit_is_a_clear_error():
    with pytest.raises(CommandError, match="单位“不存在的局”不存在"):
        run("wangwu", "--unit", "不存在的局")
    assert not get_user_model().objects.filter(username="wangwu").exists()


def test_misspelt_unit_error_suggests_similar_names():
    make_unit("州市场监督管理局")
    make_unit("州公安局")
    with pytest.raises(CommandError, match="是否是:州市场监督管理局$"):
        run("zhaoliu", "--unit", "州市场监督管局")


def test_existing_user_gets_another_unit_and_keeps_password():
    make_unit("州税务局")
    make_unit("州公安局")
    run("zhaoliu", "--unit", "州税务局", "--password", "Keep-this-pw-1")
    output = run("zhaoliu", "--unit", "州公安局")
    assert "已更新用户" in output and "初始密码" not in output
    user = get_user_model().objects.get(username="zhaoliu")
    assert user.check_password("Keep-this-pw-1")
    assert user.unit_memberships.count() == 2


def test_weak_password_is_refused():
    make_unit("州税务局")
    with pytest.raises(CommandError):
        run("weak", "--unit", "州税务局", "--password", "123")


def sheet(rows) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_excel_import_adds_every_row_with_phone_and_email():
    make_unit("州市场监督管理局")
    make_unit("州税务局")
    added = unit_users_import(
        file=sheet(
            [
                ["用户名", "姓名", "单位", "电话", "邮箱"],
                ["scjg01", "王五", "州市场监督管理局", "0743-1234567", "wangwu@example.gov.cn"],
                ["sw01", "赵六", "州税务局", None, None],
                [None, None, None, None, None],
            ]
        )
    )
    assert [a.user.username for a in added] == ["scjg01", "sw01"]
    assert all(a.created and a.password for a in added)
    first = get_user_model().objects.get(username="scjg01")
    assert first.email == "wangwu@example.gov.cn"
    assert UnitMembership.objects.get(user=first).phone == "0743-1234567"


def test_excel_import_with_a_bad_row_saves_nothing_and_names_the_rows():
    make_unit("州税务局")
    with pytest.raises(ValidationError) as excinfo:
        unit_users_import(
            file=sheet(
                [
                    ["username", "name", "unit", "email"],
                    ["ok01", "甲", "州税务局", ""],
                    ["bad user!", "乙", "州税务局", ""],
                    ["nounit", "丙", "没有这个单位", "not-an-email"],
                ]
            )
        )
    messages = excinfo.value.messages
    assert any(m.startswith("第3行") for m in messages)
    assert any(m.startswith("第4行") and "没有这个单位" in m and "邮箱" in m for m in messages)
    assert not get_user_model().objects.filter(username="ok01").exists()


def test_excel_import_rejects_a_sheet_without_required_columns():
    with pytest.raises(ValidationError, match="表头缺少"):
        unit_users_import(file=sheet([["姓名", "电话"], ["甲", "1"]]))


def test_excel_import_rejects_a_file_that_is_not_excel():
    with pytest.raises(ValidationError, match="xlsx"):
        unit_users_import(file=io.BytesIO(b"not an excel file"))


def test_office_imports_unit_users_in_the_admin(client, office_user):
    make_unit("州税务局")
    client.force_login(office_user)
    assert "从 Excel 导入" in client.get("/admin/units/unitmembership/").content.decode()
    upload = sheet([["用户名", "姓名", "单位"], ["sw02", "钱七", "州税务局"]])
    upload.name = "users.xlsx"
    response = client.post("/admin/units/unitmembership/import/", {"file": upload})
    assert response.status_code == 200
    content = response.content.decode()
    assert "已导入 1 个单位用户" in content and "sw02" in content
    assert UnitMembership.objects.filter(user__username="sw02").exists()


def test_admin_import_shows_row_errors(client, office_user):
    client.force_login(office_user)
    upload = sheet([["用户名", "单位"], ["x1", "没有这个单位"]])
    upload.name = "users.xlsx"
    response = client.post("/admin/units/unitmembership/import/", {"file": upload})
    assert "第2行" in response.content.decode()
    assert not UnitMembership.objects.exists()


def test_unit_users_cannot_open_the_import_page(client):
    from .conftest import make_user

    client.force_login(make_user(units=[make_unit()], is_staff=True))
    response = client.get("/admin/units/unitmembership/import/")
    # Even with the staff box ticked, no office or leader role means no admin at all.
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_excel_import_of_a_sheet_declaring_xml_entities_is_unreadable_not_a_500():
    """read_only openpyxl parses the sheet lazily: the entity attack surfaced after the try."""
    import zipfile

    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML  # openpyxl parses through defusedxml, which refuses entities
    original = zipfile.ZipFile(sheet([["用户名", "单位"], ["u1", "州税务局"]]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry in original.infolist():
            content = original.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content = (
                    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM '
                    b'"file:///etc/passwd">]><worksheet xmlns="http://schemas.openxmlformats'
                    b'.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" '
                    b't="inlineStr"><is><t>&x;</t></is></c></row></sheetData></worksheet>'
                )
            archive.writestr(entry, content)
    buffer.seek(0)
    with pytest.raises(ValidationError, match="文件无法读取"):
        unit_users_import(file=buffer)


def test_a_name_shared_by_two_governments_must_be_written_in_full(db):
    from regions.models import Region
    from units.services import unit_user_add

    make_unit("市行政审批局", region=Region.objects.get(code="420600"))
    xiangtan = make_unit("市行政审批局", region=Region.objects.get(code="430300"))
    with pytest.raises(ValidationError, match="请写明所属政府.*湘潭市 · 市行政审批局"):
        unit_user_add(username="shenpi", unit_name="市行政审批局")
    added = unit_user_add(username="shenpi", unit_name="湘潭市 · 市行政审批局")
    assert added.unit == xiangtan

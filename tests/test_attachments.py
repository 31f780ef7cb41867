"""Report attachments: type checked by content, size-limited, stored outside the web root."""

import io
import struct
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tasks.attachments import attachment_validate
from tasks.models import ProgressReport
from tasks.services import report_submit

from .conftest import make_task, make_unit, make_user

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32


def office_zip(folder="word/", files=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, content in (files or {f"{folder}document.xml": "<doc/>"}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    "name, content",
    [
        ("报告.pdf", PDF),
        ("照片.PNG", PNG),
        ("照片.jpg", JPEG),
        ("旧版.doc", OLE),
        ("台账.xls", OLE),
        ("报告.docx", office_zip("word/")),
        ("台账.xlsx", office_zip("xl/")),
    ],
)
def test_allowed_files_pass(name, content):
    attachment_validate(upload(name, content))


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("程序.exe", b"MZ\x90\x00", "extension"),
        ("页面.html", b"<html><script>", "extension"),
        ("无扩展名", PDF, "extension"),
        ("伪装.pdf", b"MZ\x90\x00" + b"\x00" * 20, "content"),
        ("伪装.png", PDF, "content"),
        ("伪装.docx", PDF, "content"),
        ("表格当文档.docx", office_zip("xl/"), "content"),
        ("普通压缩包.xlsx", b"PK\x03\x04" + b"\x00" * 30, "content"),
        ("空文件.pdf", b"", "empty"),
    ],
)
def test_disallowed_or_disguised_files_are_rejected(name, content, code):
    with pytest.raises(ValidationError) as excinfo:
        attachment_validate(upload(name, content))
    assert excinfo.value.code == code


def test_file_over_the_size_limit_is_rejected(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as excinfo:
        attachment_validate(upload("大文件.pdf", PDF + b"0" * 2048))
    assert excinfo.value.code == "size"


def test_zip_bomb_docx_is_rejected_by_uncompressed_size():
    bomb = office_zip(files={"word/document.xml": "0" * (101 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024  # small on the wire
    with pytest.raises(ValidationError) as excinfo:
        attachment_validate(upload("炸弹.docx", bomb))
    assert excinfo.value.code == "zip"


def declared_size_lowered(archive: bytes, name: str, size: int) -> bytes:
    """The archive with `name`'s uncompressed size rewritten in both of its headers."""
    data = bytearray(archive)
    encoded = name.encode()
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = data.find(signature)
        while start != -1:
            if data[start + name_offset : start + name_offset + len(encoded)] == encoded:
                struct.pack_into("<I", data, start + size_offset, size)
            start = data.find(signature, start + 1)
    return bytes(data)


def test_docx_that_inflates_beyond_its_declared_size_is_rejected():
    honest = office_zip(files={"word/document.xml": "0" * (5 * 1024 * 1024)})
    lying = declared_size_lowered(honest, "word/document.xml", 1000)
    with zipfile.ZipFile(io.BytesIO(lying)) as archive:
        declared = sum(entry.file_size for entry in archive.infolist())
    assert declared < 2000  # the declared sizes alone pass the size check
    with pytest.raises(ValidationError) as excinfo:
        attachment_validate(upload("说谎的文档.docx", lying))
    assert excinfo.value.code == "zip"
    attachment_validate(upload("诚实的文档.docx", honest))


def test_docx_with_a_corrupted_member_is_rejected():
    archive = bytearray(office_zip(files={"word/document.xml": "<doc>" + "正文" * 500 + "</doc>"}))
    member = archive.find(b"word/document.xml") + len("word/document.xml") + 20
    archive[member] ^= 0xFF  # flip a byte of the compressed data
    with pytest.raises(ValidationError) as excinfo:
        attachment_validate(upload("损坏.docx", bytes(archive)))
    assert excinfo.value.code in {"zip", "content"}


def test_docx_with_too_many_files_is_rejected():
    many = office_zip(files={f"word/part{i}.xml": "" for i in range(1001)})
    with pytest.raises(ValidationError) as excinfo:
        attachment_validate(upload("很多文件.docx", many))
    assert excinfo.value.code == "zip"


@pytest.mark.django_db
def test_attachment_is_stored_outside_the_web_root_under_a_random_name(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    unit = make_unit()
    task = make_task(lead_units=[unit], due_on=date(2030, 1, 1))
    report = report_submit(
        task=task,
        user=make_user(units=[unit]),
        status="in_progress",
        progress=5,
        text="附件测试",
        expected_version=task.version,
        attachment=upload("../../etc/进展材料.pdf", PDF),
    )
    stored = Path(report.attachment.path)
    assert stored.is_relative_to(tmp_path)
    assert stored.read_bytes() == PDF
    assert "进展材料" not in stored.name and stored.suffix == ".pdf"
    assert report.attachment_name == "进展材料.pdf"
    static_dirs = [Path(d) for d in django_settings.STATICFILES_DIRS] + [
        Path(django_settings.STATIC_ROOT)
    ]
    assert not any(stored.is_relative_to(d) for d in static_dirs)


def test_default_private_root_is_outside_static_and_gitignored():
    root = Path(django_settings.PRIVATE_MEDIA_ROOT)
    assert root == django_settings.BASE_DIR / "var" / "attachments"
    gitignore = (django_settings.BASE_DIR / ".gitignore").read_text(encoding="utf-8")
    assert "var/" in gitignore.splitlines()


@pytest.mark.django_db
def test_portal_rejects_disguised_attachment_and_stores_nothing(client, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    unit = make_unit()
    task = make_task(lead_units=[unit], due_on=date(2030, 1, 1))
    client.force_login(make_user(units=[unit]))
    response = client.post(
        f"/tasks/{task.pk}/report/",
        {
            "status": "in_progress",
            "progress": 10,
            "text": "带附件",
            "version": task.version,
            "token": "7f1f0c1e-7c35-4c86-9d43-2d8a4d3b9d11",
            "attachment": upload("恶意.pdf", b"MZ\x90\x00not a pdf"),
        },
    )
    assert response.status_code == 400
    assert "附件内容与文件扩展名不符" in response.content.decode()
    assert "带附件" in response.content.decode()
    assert not ProgressReport.objects.exists()
    assert not any(tmp_path.rglob("*.pdf"))

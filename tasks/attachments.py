"""Checks on report attachments: extension, size and content must all agree (ASVS V5.2).

`FileExtensionValidator` only reads the name, so each allowed extension is paired with
the magic bytes its content must start with; zip-based Office files are also opened to
check their file count and uncompressed size (a zip bomb is small on the wire), and then
read through once so that sizes the archive merely declares cannot lie.
"""

import zipfile
import zlib
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError

PDF = (b"%PDF-",)
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # legacy .doc / .xls
ZIP = (b"PK\x03\x04",)
JPEG = (b"\xff\xd8\xff",)
PNG = (b"\x89PNG\r\n\x1a\n",)

# extension -> (accepted leading bytes, folder a zip-based Office file must contain)
ALLOWED_TYPES: dict[str, tuple[tuple[bytes, ...], str | None]] = {
    ".pdf": (PDF, None),
    ".doc": (OLE, None),
    ".xls": (OLE, None),
    ".docx": (ZIP, "word/"),
    ".xlsx": (ZIP, "xl/"),
    ".jpg": (JPEG, None),
    ".jpeg": (JPEG, None),
    ".png": (PNG, None),
}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
ZIP_MAX_FILES = 1000
ZIP_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
ALLOWED_LABEL = "PDF、Word(doc/docx)、Excel(xls/xlsx)、图片(jpg/png)"


def attachment_validate(upload) -> None:
    """Raise ValidationError unless `upload` is an allowed, size-limited, genuine file."""
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in ALLOWED_TYPES:
        raise ValidationError(f"不支持的附件类型,仅限{ALLOWED_LABEL}", code="extension")
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(f"附件不能超过{limit // (1024 * 1024)}MB", code="size")
    if upload.size == 0:
        raise ValidationError("附件是空文件", code="empty")
    magics, zip_folder = ALLOWED_TYPES[suffix]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in magics):
        raise ValidationError("附件内容与文件扩展名不符", code="content")
    if zip_folder:
        _validate_office_zip(upload, zip_folder)
    upload.seek(0)


def _validate_office_zip(upload, folder: str) -> None:
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValidationError("附件已损坏,无法打开", code="content") from exc
    if len(entries) > ZIP_MAX_FILES:
        raise ValidationError("附件内部文件过多,疑似异常文件", code="zip")
    if sum(entry.file_size for entry in entries) > ZIP_MAX_UNCOMPRESSED_BYTES:
        raise ValidationError("附件解压后过大,疑似异常文件", code="zip")
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith(folder) for n in names):
        raise ValidationError("附件内容与文件扩展名不符", code="content")
    _read_office_zip_through(upload)


def _read_office_zip_through(upload) -> None:
    """Decompress every member once, in chunks, checking its CRC.

    The sizes summed above are only what the archive declares. zipfile stops reading a
    member at its declared size and then checks the CRC, so a member that inflates to
    more than it declares fails here; the work is bounded by the declared total.
    """
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            for entry in archive.infolist():
                with archive.open(entry) as member:
                    while member.read(1024 * 1024):
                        pass
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
        raise ValidationError("附件已损坏或经过篡改,无法打开", code="zip") from exc
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, unknown compression
        raise ValidationError(
            "附件已加密或格式不受支持,请另存为普通文件后上传", code="zip"
        ) from exc


def attachment_content_type(name: str) -> str:
    return CONTENT_TYPES.get(PurePath(name).suffix.lower(), "application/octet-stream")

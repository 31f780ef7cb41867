"""Any plan file → the text (and task tables) the one set of rules reads.

The format is chosen by the file's content (magic bytes), not its name; a name whose
extension claims another format is refused, so a mislabelled file is noticed. Word,
PDF, web pages and Excel become lines of text: paragraphs as lines, task tables as
numbered task lines in the bracket style, other tables one cell per line. A narrative
document keeps its task tables aside too, so that an attachment 分工表 can complete
the narrative's tasks instead of being read as a second set of tasks.
"""

import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .document import decode_document, parse_document
from .parsed import DocumentError, ParsedPlan
from .tables import TaskRow, plain_table_lines, read_task_table, task_table_lines
from .text import clean_line

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# A .docx/.xlsx is a zip: refuse archives that inflate beyond this or hold too many parts.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_RATIO = 200
# About 18,000 tasks; parsing takes about 2 s per 400,000 characters on a small server.
MAX_TEXT_CHARS = 1_500_000
SUFFIXES = (".txt", ".docx", ".doc", ".wps", ".pdf", ".html", ".htm", ".xlsx")
_FORMAT_NAMES = {
    "txt": "纯文本",
    "docx": "Word(.docx)",
    "doc": "Word 97-2003/WPS(.doc/.wps)",
    "pdf": "PDF",
    "html": "网页(HTML)",
    "xlsx": "Excel(.xlsx)",
    "xls": "Excel 97-2003(.xls)",
    "zip": "压缩包(zip)",
    "rtf": "RTF",
    "encrypted": "加密的 Office 文档",
}
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_SUFFIX_FORMATS = {
    ".txt": {"txt"},
    ".docx": {"docx"},
    ".doc": {"doc", "docx", "rtf", "html"},  # WPS and Word save .doc as any of these
    ".wps": {"doc", "docx", "rtf"},
    ".pdf": {"pdf"},
    ".html": {"html"},
    ".htm": {"html"},
    ".xlsx": {"xlsx"},
    ".xls": {"xls", "xlsx", "html"},
}
_HTML_START_RE = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|meta|body)\b", re.IGNORECASE | re.DOTALL
)
# The distribution block at the end of a 红头文件: `抄送:…`, `XX办公室  2021年3月1日印发`.
_DISTRIBUTION_RE = re.compile(
    r"^(?:抄\s*送|主\s*送)\s*[:：]|^.{0,40}\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印\s*发$"
)


@dataclass
class SourceDocument:
    """A plan file read into text; `narrative` and `task_rows` when it also has task tables."""

    name: str
    format: str
    text: str
    narrative: str | None = None  # the text without its task tables
    task_rows: list[TaskRow] = field(default_factory=list)
    hints: dict = field(default_factory=dict)  # title/doc_number/issuer/issued_on from a web page

    def to_session(self) -> dict:
        hints = dict(self.hints)
        if isinstance(hints.get("issued_on"), date):
            hints["issued_on"] = hints["issued_on"].isoformat()
        return {
            "name": self.name,
            "format": self.format,
            "text": self.text,
            "narrative": self.narrative,
            "task_rows": [row.as_dict() for row in self.task_rows],
            "hints": hints,
        }

    @classmethod
    def from_session(cls, data: dict) -> "SourceDocument":
        hints = dict(data.get("hints") or {})
        if hints.get("issued_on"):
            hints["issued_on"] = date.fromisoformat(hints["issued_on"])
        return cls(
            name=data["name"],
            format=data["format"],
            text=data["text"],
            narrative=data.get("narrative"),
            task_rows=[TaskRow(**row) for row in data.get("task_rows") or []],
            hints=hints,
        )


def detect_format(data: bytes) -> str:
    """The format of a file by its first bytes (and, for zips, the parts inside)."""
    if data.startswith(b"%PDF") or data[:1024].lstrip().startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and _ENCRYPTED_PACKAGE in data:
        return "encrypted"  # a password-protected .docx/.xlsx is wrapped in an OLE file
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls" if b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k" in data[:65536] else "doc"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    head = data[:4096]
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            head = head[len(bom) :]
            if encoding != "utf-8":
                head = head.decode(encoding, "ignore").encode("ascii", "ignore")
    if _HTML_START_RE.match(head):
        return "html"
    return "txt"


def _check_zip(data: bytes) -> None:
    """Refuse a zip bomb before any library inflates it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DocumentError(f"文件已损坏:不是有效的 zip 结构({exc})") from exc
    if len(entries) > MAX_ZIP_ENTRIES:
        raise DocumentError(f"压缩结构中文件过多({len(entries)} 个),疑似压缩炸弹,已拒绝")
    total = sum(entry.file_size for entry in entries)
    compressed = sum(entry.compress_size for entry in entries) or 1
    if (
        total > MAX_UNZIPPED_BYTES
        or total / compressed > MAX_ZIP_RATIO
        and total > 10 * 1024 * 1024
    ):
        raise DocumentError(f"解压后体积过大({total // (1024 * 1024)} MB),疑似压缩炸弹,已拒绝")


def read_source(path) -> SourceDocument:
    """Read a plan file of any supported format; errors name the reason (the caller names the file)."""
    path = Path(path)
    if not path.exists():
        raise DocumentError(f"文件不存在:{path}")
    if path.is_dir():
        raise DocumentError(f"这是一个文件夹,不是文件:{path}")
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentError(_too_large(size))
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"无法读取文件:{path}({exc.strerror or exc})") from exc
    return extract_source(data, path.name)


def _too_large(size: int) -> str:
    return f"文件过大({size / 1024 / 1024:.1f} MB,上限 {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB)"


def extract_source(data: bytes, name: str) -> SourceDocument:
    """Turn the bytes of a plan file into a SourceDocument (text plus task tables)."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(_too_large(len(data)))
    if not data.strip():
        raise DocumentError("文件为空或只有空白,没有可导入的内容")
    kind = detect_format(data)
    suffix = Path(name).suffix.lower()
    expected = _SUFFIX_FORMATS.get(suffix)
    if kind == "encrypted":
        raise DocumentError("文件已加密(设有打开密码):请在 Word/Excel/WPS 中取消密码后再导入")
    if kind == "zip" and suffix in (".docx", ".xlsx"):
        what = "Word" if suffix == ".docx" else "Excel"
        raise DocumentError(f"{what} 文件已损坏:zip 结构无效或缺少文档正文,请重新保存后再导入")
    if expected is not None and kind not in expected:
        hint = ",不是纯文本" if suffix == ".txt" else ""
        raise DocumentError(
            f"文件扩展名是 {suffix},内容却是{_FORMAT_NAMES[kind]}格式{hint}:"
            "请核对文件,或改用与内容相符的扩展名"
        )
    if kind == "txt":
        return SourceDocument(name=name, format="txt", text=decode_document(data))
    if kind == "zip":
        raise DocumentError("文件是压缩包(zip),不是 Word 或 Excel 文档,请解压后导入其中的方案文件")
    if kind == "xls":
        raise DocumentError(
            "不支持 Excel 97-2003(.xls)格式:请在 Excel 或 WPS 中另存为 .xlsx 后再导入"
        )
    if kind in ("doc", "rtf"):
        return _from_blocks(name, "docx", _docx_blocks(_convert_to_docx(data, name)))
    if kind == "docx":
        _check_zip(data)
        return _from_blocks(name, "docx", _docx_blocks(data))
    if kind == "pdf":
        from .pdf_text import pdf_blocks

        return _from_blocks(name, "pdf", pdf_blocks(data))
    if kind == "html":
        from .html_text import html_blocks

        blocks, hints = html_blocks(data)
        return _from_blocks(name, "html", blocks, hints)
    if kind == "xlsx":
        _check_zip(data)
        return _from_xlsx(name, data)
    raise DocumentError(f"不支持的文件格式:{_FORMAT_NAMES.get(kind, kind)}")


def _docx_blocks(data: bytes) -> list:
    from .docx_text import docx_blocks

    return docx_blocks(data)


def _convert_to_docx(data: bytes, name: str) -> bytes:
    """Convert .doc/.wps/.rtf with LibreOffice when it is installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise DocumentError(
            "这是 Word 97-2003/WPS 格式(.doc/.wps),服务器未安装 LibreOffice,无法转换:"
            "请在 Word 或 WPS 中另存为 .docx 后再导入"
        )
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / ("document" + (Path(name).suffix.lower() or ".doc"))
        source.write_bytes(data)
        try:
            subprocess.run(
                [soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile",
                 "--convert-to", "docx", "--outdir", folder, str(source)],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
        except (subprocess.SubprocessError, OSError) as exc:
            raise DocumentError(
                f"LibreOffice 转换失败,文件可能已损坏({type(exc).__name__})"
            ) from exc
        converted = source.with_suffix(".docx")
        if not converted.exists():
            raise DocumentError("LibreOffice 转换失败,文件可能已损坏或已加密")
        return converted.read_bytes()


def _is_distribution_line(text: str) -> bool:
    return bool(_DISTRIBUTION_RE.search(text))


def _from_blocks(name: str, kind: str, blocks: list, hints: dict | None = None) -> SourceDocument:
    """Lines of text from paragraphs and tables; the distribution block (抄送/印发) is dropped."""
    lines: list[str] = []
    narrative: list[str] = []
    rows: list[TaskRow] = []
    for block in blocks:
        if isinstance(block, list):
            table = read_task_table(block)
            if table is not None:
                lines.extend(task_table_lines(table))
                rows.extend(table.rows)
            else:
                cells = plain_table_lines(block)
                lines.extend(cells)
                narrative.extend(cells)
            continue
        if not block.strip() or _is_distribution_line(clean_line(block)):
            continue
        text = block.rstrip()  # leading indentation is kept, as in a text file
        lines.append(text)
        narrative.append(text)
    if not lines:
        if kind == "pdf":
            raise DocumentError("扫描件,没有可提取的文字")
        raise DocumentError("文件中没有文字内容")
    return SourceDocument(
        name=name,
        format=kind,
        text="\n".join(lines) + "\n",
        narrative="\n".join(narrative) + "\n" if rows and narrative else None,
        task_rows=rows,
        hints=hints or {},
    )


def _from_xlsx(name: str, data: bytes) -> SourceDocument:
    from .xlsx_text import xlsx_sheets

    lines: list[str] = []
    rows: list[TaskRow] = []
    seen_header = False
    for _title, sheet_rows in xlsx_sheets(data):
        table = read_task_table(sheet_rows)
        if table is None:
            continue
        if not seen_header:
            # Title, 文号 and date rows above the header are the document's header.
            from .tables import _cell, find_header

            cells = [[_cell(value) for value in row] for row in sheet_rows]
            header_index = find_header(cells)[0]
            for row in cells[:header_index]:
                values = []
                for value in row:
                    if value and value not in values:
                        values.append(value)
                if values:
                    lines.append(" ".join(values))
            seen_header = True
        lines.extend(task_table_lines(table))
        rows.extend(table.rows)
    if not rows:
        raise DocumentError(
            "Excel 中没有找到任务表:需要一行表头写明“序号、重点任务(或工作任务/任务内容)、"
            "牵头单位、责任单位、完成时限”等列名"
        )
    return SourceDocument(name=name, format="xlsx", text="\n".join(lines) + "\n", task_rows=rows)


def parse_source(source: SourceDocument, *, year: int | None = None) -> ParsedPlan:
    """Parse a read file with the one set of rules; attachment task tables complete the tasks."""
    if len(source.text) > MAX_TEXT_CHARS:
        raise DocumentError(
            f"文件文字过多({len(source.text):,} 字,上限 {MAX_TEXT_CHARS:,} 字):请拆分后分别导入"
        )
    if source.task_rows and source.narrative:
        try:
            narrative = parse_document(source.narrative, year=year, hints=source.hints)
        except DocumentError:
            narrative = None
        if narrative is not None and narrative.tasks:
            from .document import apply_task_rows

            apply_task_rows(narrative, source.task_rows)
            return narrative
    return parse_document(source.text, year=year, hints=source.hints)

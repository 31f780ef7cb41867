"""Reading a plan file and turning its text into a `ParsedPlan`.

This module only wires the pure steps together: text → metadata → structure →
units and deadlines per task.
"""

import re
from collections import Counter
from datetime import date
from pathlib import Path

from .deadlines import find_milestones, parse_deadline, plan_default_deadline
from .metadata import extract_metadata
from .parsed import DocumentError, ParsedPlan, ParsedTask
from .structure import TaskDraft, parse_structure
from .text import has_garbled_text, split_lines
from .units import UnitBracket, find_unit_bracket, parse_unit_bracket

_BINARY_SIGNATURES = {
    b"%PDF": "PDF",
    b"PK\x03\x04": "Word/Excel(docx/xlsx)或压缩包",
    b"\xd0\xcf\x11\xe0": "Word/Excel(doc/xls)",
    b"{\\rtf": "RTF",
}
_CONTROL_RE = re.compile(r"[\x01-\x08\x0e-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.001
_YEAR_IN_TEXT_RE = re.compile(r"(?<!\d)(20\d{2})\s*年")

WARNING_GARBLED = "正文含乱码,请核对原文"
WARNING_NO_UNITS = "未识别到牵头单位或责任单位,请核对原文"


def read_document(path) -> str:
    """Read a plan file as text: UTF-8 (with or without BOM), else GB18030."""
    path = Path(path)
    if not path.exists():
        raise DocumentError(f"文件不存在:{path}")
    if path.is_dir():
        raise DocumentError(f"这是一个文件夹,不是文件:{path}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"无法读取文件:{path}({exc.strerror or exc})") from exc
    return decode_document(data)


def decode_document(data: bytes) -> str:
    """Decode the bytes of a plan file, refusing binary or undecodable content."""
    if not data.strip():
        raise DocumentError("文件为空或只有空白,没有可导入的内容")
    for signature, kind in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise DocumentError(f"文件是{kind}格式,不是纯文本,请先另存为纯文本(.txt)后再导入")
    if b"\x00" in data:
        hint = "(可能是UTF-16编码,请另存为UTF-8)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise DocumentError(f"文件含有空字节(NUL),看起来是二进制文件而不是纯文本{hint}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise DocumentError("文件编码无法识别:既不是UTF-8也不是GB18030(GBK)编码的文本") from exc
    if not text.strip():
        raise DocumentError("文件为空或只有空白,没有可导入的内容")
    if len(_CONTROL_RE.findall(text)) > max(1, len(text) * _MAX_CONTROL_SHARE):
        raise DocumentError("文件含有大量控制字符,看起来是二进制文件而不是纯文本")
    return text


def parse_document(text: str) -> ParsedPlan:
    """Parse the text of a plan; any problem is reported as a DocumentError."""
    if not isinstance(text, str):
        raise DocumentError("文档内容必须是文本")
    try:
        return _parse(text.replace("\x00", ""))
    except DocumentError:
        raise
    except Exception as exc:  # a parser bug must not escape as a random exception
        raise DocumentError(f"文档解析失败:{exc}") from exc


def _guess_year(text: str) -> int | None:
    """The most frequent `20XX年` in the text, for plans whose header gives no year."""
    years = Counter(int(year) for year in _YEAR_IN_TEXT_RE.findall(text))
    return years.most_common(1)[0][0] if years else None


def _parse(text: str) -> ParsedPlan:
    if not text.strip():
        raise DocumentError("文档内容为空")
    lines = split_lines(text)
    meta = extract_metadata(lines)
    warnings = list(meta.warnings)
    year = meta.year or _guess_year(text)
    if year is None:
        year = date.today().year
        warnings.append(f"未识别到方案年度,已按{year}年处理,请核对")

    structure = parse_structure(lines[meta.body_start :])
    if not structure.tasks:
        raise DocumentError(
            "未识别到任何任务:任务应以“1.”“2、”等序号开头,"
            "或在“一、”等标题下用一段文字写明并以(牵头单位:…;责任单位:…)结尾"
        )
    warnings.extend(structure.warnings)

    not_before = meta.issued_on or date(year, 1, 1)
    carried: list[str] = []
    tasks = [_build_task(draft, year, not_before, carried) for draft in structure.tasks]
    return ParsedPlan(
        title=meta.title,
        doc_number=meta.doc_number,
        issuer=meta.issuer,
        issued_on=meta.issued_on,
        year=year,
        sections=structure.sections,
        tasks=tasks,
        warnings=warnings,
    )


def _task_title(draft: TaskDraft, body: str, bracket_start: int | None) -> str:
    """The heading for heading-tasks, else the body's leading phrase up to the first 。."""
    if draft.heading_title:
        return draft.heading_title
    lead = body[:bracket_start] if bracket_start is not None else body
    title = re.split(r"[。\n]", lead, maxsplit=1)[0]
    return title.strip(" ,，;；")


def _build_task(draft: TaskDraft, year: int, not_before: date, carried: list[str]) -> ParsedTask:
    """Read units, deadline and milestones of one task; `carried` grows with shared units."""
    body = draft.text
    warnings: list[str] = []
    span = find_unit_bracket(body)
    bracket = parse_unit_bracket(body[span[0] + 1 : span[1] - 1]) if span else UnitBracket()
    if draft.labels:
        # `牵头单位:A` / `完成时限:B` written on lines of their own under the task.
        labelled = parse_unit_bracket(";".join(draft.labels))
        if span is None:
            bracket = labelled
        elif not bracket.deadline_text:
            bracket.deadline_text = labelled.deadline_text
    lead, responsible = bracket.lead_units, bracket.responsible_units

    deadline = None
    if bracket.deadline_text:
        deadline = parse_deadline(bracket.deadline_text, year)
        if deadline is None:
            warnings.append(f"完成时限“{bracket.deadline_text}”无法识别,已按年底处理")

    # Units a previous task declared responsible "以下不再列出" come after the task's own.
    responsible.extend(u for u in carried if u not in responsible and u not in lead)
    carried.extend(u for u in bracket.carried_units if u not in carried)

    if not lead and not responsible:
        warnings.append(WARNING_NO_UNITS)
    if has_garbled_text(draft.body):
        warnings.append(WARNING_GARBLED)

    text_without_bracket = body[: span[0]] if span else body
    return ParsedTask(
        number=draft.number,
        section_index=draft.section_index,
        title=_task_title(draft, body, span[0] if span else None),
        body=draft.body,
        source_text=draft.source_text,
        lead_units=lead,
        responsible_units=responsible,
        deadline=deadline or plan_default_deadline(year),
        milestones=find_milestones(text_without_bracket, year, not_before),
        warnings=warnings,
    )

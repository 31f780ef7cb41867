"""Reading a plan file and turning its text into a `ParsedPlan`.

This module only wires the pure steps together: text → metadata → structure →
units and deadlines per task.
"""

import re
from collections import Counter
from datetime import date
from pathlib import Path

from .deadlines import (
    find_milestones,
    find_reporting_rules,
    parse_deadline,
    plan_default_deadline,
)
from .government import detect_government
from .metadata import extract_metadata
from .parsed import DEADLINE_SOURCE_PLAN_DEFAULT, DocumentError, ParsedPlan, ParsedTask
from .structure import TaskDraft, match_heading, match_item, parse_structure
from .tables import relink_cell_lines
from .text import Line, has_garbled_text, split_lines
from .units import (
    UnitBracket,
    ends_with_org_suffix,
    find_unit_bracket,
    is_collective_unit_name,
    is_label_line,
    parse_unit_bracket,
    split_unit_names,
)

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
WARNING_NO_LEAD = "未写明牵头单位,请指定牵头单位"
_DOC_NUMBER_YEAR_RE = re.compile(r"〔(\d{4})〕")
# `第一责任单位为牵头单位`, `排在第一位的为牵头单位`: a convention for the tasks after it.
_FIRST_IS_LEAD_RE = re.compile(
    r"(?:第一|首位|排(?:在|名)?第一位?的?|列(?:在)?第一位?的?|排(?:在)?首位的?)"
    r"(?:责任|的)?(?:单位|部门)?(?:为|是|均为)牵头(?:单位|部门)"
)
# A line saying some units share every following task, in any wording.
_SHARED_ALL_RE = re.compile(
    r"不再(?:单独|一一|逐一|逐项|重复|另行)?列(?:出|明|举)"
    r"|(?:均需|均要|均应|均须|都要).{0,30}(?:以下|下列|各项|所有|全部)(?:各项)?(?:任务|工作).{0,10}落实"
)
_SHARED_ALL_UNITS_RE = re.compile(
    r"^(?P<units>.+?)(?:均需|均要|均应|均须|均为|都要|都为|要按照|按照|按职责|为各项|为所有|负责|参与|配合)"
)


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


def parse_document(
    text: str, *, year: int | None = None, hints: dict | None = None, regions=None
) -> ParsedPlan:
    """Parse the text of a plan; any problem is reported as a DocumentError.

    `year` (given by the user) overrides the year the document states; `hints` are
    title / doc_number / issuer / issued_on read around the text (a web page's 索引号
    table), used where the text itself lacks them. Given the known regions
    (`KnownRegion` rows), the issuing government is read too.
    """
    if not isinstance(text, str):
        raise DocumentError("文档内容必须是文本")
    try:
        parsed = _parse(text.replace("\x00", ""), year, hints or {})
    except DocumentError:
        raise
    except Exception as exc:  # a parser bug must not escape as a random exception
        raise DocumentError(f"文档解析失败:{exc}") from exc
    if regions is not None:
        plan_government_detect(parsed, regions)
    return parsed


def plan_government_detect(parsed: ParsedPlan, regions) -> ParsedPlan:
    """Fill the parse result's region fields from its 文号, issuer and title."""
    guess = detect_government(
        doc_number=parsed.doc_number, issuer=parsed.issuer, title=parsed.title, regions=regions
    )
    parsed.region_code = guess.code
    parsed.region_name = guess.name
    parsed.region_evidence = guess.evidence
    parsed.region_candidates = guess.candidates
    return parsed


def _guess_year(text: str) -> int | None:
    """The most frequent `20XX年` in the text, for plans whose header gives no year."""
    years = Counter(int(year) for year in _YEAR_IN_TEXT_RE.findall(text))
    return years.most_common(1)[0][0] if years else None


def _relink_cell_lines(lines: list[Line]) -> list[Line]:
    """A task table pasted as text, one cell per line, becomes one task line per row."""
    spans = relink_cell_lines([line.text for line in lines])
    if spans is None:
        return lines
    result = list(lines[: spans[0][0]])
    cursor = spans[0][0]
    for start, end, text in spans:
        result.extend(lines[cursor:start])
        if text:
            raw = "\n".join(line.raw for line in lines[start:end])
            result.append(Line(raw, text))
        cursor = end
    result.extend(lines[cursor:])
    return result


def _apply_hints(meta, hints: dict) -> None:
    """Fill what the text lacks from the page's metadata; their warnings go with them."""
    filled = {
        "title": "未识别到方案标题,请核对原文",
        "doc_number": None,
        "issuer": "未识别到发文单位,请核对原文",
        "issued_on": "未识别到成文日期,请核对原文",
    }
    for name, warning in filled.items():
        value = hints.get(name) or (hints.get("page_title") if name == "title" else None)
        if value and not getattr(meta, name):
            setattr(meta, name, value)
            if warning in meta.warnings:
                meta.warnings.remove(warning)


def plan_year(meta, text: str) -> int | None:
    """The plan's year: its title, else its 文号 (`池政〔2017〕101号`), else the signing date."""
    if meta.year and (_YEAR_IN_TEXT_RE.search(meta.title) or not meta.doc_number):
        return meta.year
    match = _DOC_NUMBER_YEAR_RE.search(meta.doc_number or "")
    if match:
        return int(match.group(1))
    if meta.year:
        return meta.year
    if meta.issued_on:
        return meta.issued_on.year
    return _guess_year(text)


def _parse(text: str, given_year: int | None = None, hints: dict | None = None) -> ParsedPlan:
    if not text.strip():
        raise DocumentError("文档内容为空")
    lines = _relink_cell_lines(split_lines(text))
    meta = extract_metadata(lines)
    if hints:
        _apply_hints(meta, hints)
    warnings = list(meta.warnings)
    year = given_year or plan_year(meta, text)

    structure = parse_structure(lines[meta.body_start :])
    if not structure.tasks:
        raise DocumentError(
            "未识别到任何任务:任务应以“1.”“2、”等序号开头,"
            "或在“一、”等标题下用一段文字写明并以(牵头单位:…;责任单位:…)结尾"
        )
    warnings.extend(structure.warnings)
    if year is None:
        raise DocumentError(
            "文件中没有写明方案年度(标题、文号和成文日期都没有年份):"
            "请指定方案年度(命令行 --year,后台上传时填写“方案年度”)"
        )

    not_before = meta.issued_on or date(year, 1, 1)
    carried: list[str] = []
    conventions = _conventions(lines, meta.body_start)
    tasks = []
    for draft in structure.tasks:
        start = meta.body_start + draft.position
        first_is_lead = any(kind == "first_is_lead" and at <= start for at, kind, _ in conventions)
        shared = [
            u for at, kind, units in conventions if kind == "shared" and at < start for u in units
        ]
        tasks.append(_build_task(draft, year, not_before, carried, first_is_lead, shared))
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


def _conventions(lines, body_start: int) -> list[tuple[int, str, list[str]]]:
    """(line index, kind, units) of notes that govern the tasks after them.

    `first_is_lead`: "第一责任单位为牵头单位"; `shared`: "X、Y均需…抓好以下各项任务落实,
    不再单独列出" (X and Y are responsible for every later task).
    """
    found = []
    task_start = 0
    for index, line in enumerate(lines):
        text = line.text
        if match_item(text) or match_heading(text):
            task_start = index
        if _FIRST_IS_LEAD_RE.search(text) and (find_unit_bracket(text) or is_label_line(text)):
            # `责任单位:A、B(第一责任单位为牵头单位,下同)`: from the task it is written in.
            found.append((task_start, "first_is_lead", []))
            continue
        if len(text) > 200 or match_item(text) or find_unit_bracket(text):
            continue
        if _FIRST_IS_LEAD_RE.search(text):
            found.append((index, "first_is_lead", []))
        if index >= body_start and _SHARED_ALL_RE.search(text):
            match = _SHARED_ALL_UNITS_RE.match(text)
            names = split_unit_names(match.group("units")) if match else []
            names = [n for n in names if ends_with_org_suffix(n) or is_collective_unit_name(n)]
            if names:
                found.append((index, "shared", names))
    return found


def _build_task(
    draft: TaskDraft,
    year: int,
    not_before: date,
    carried: list[str],
    first_is_lead: bool = False,
    shared: list[str] | None = None,
) -> ParsedTask:
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
    reporting_rules = find_reporting_rules(body)
    if bracket.deadline_text:
        deadline = parse_deadline(bracket.deadline_text, year)
        reported = find_reporting_rules(bracket.deadline_text)
        reporting_rules.extend(rule for rule in reported if rule not in reporting_rules)
        if deadline is None and not reported:
            warnings.append(f"完成时限“{bracket.deadline_text}”无法识别,已按年底处理")

    if first_is_lead and not lead and responsible:
        lead, responsible = responsible[:1], responsible[1:]
    # Units a previous task declared responsible "以下不再列出" come after the task's own.
    responsible.extend(u for u in carried if u not in responsible and u not in lead)
    responsible.extend(u for u in shared or () if u not in responsible and u not in lead)
    carried.extend(u for u in bracket.carried_units if u not in carried)

    if not lead and not responsible:
        warnings.append(WARNING_NO_UNITS)
    elif not lead:
        warnings.append(WARNING_NO_LEAD)
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
        reporting_rules=reporting_rules,
    )


def _similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return fuzz.partial_ratio(a[:200], b[:200]) / 100


def apply_task_rows(plan: ParsedPlan, rows) -> None:
    """Complete a narrative's tasks from its attachment task table (`TaskRow`s).

    A row belongs to the task with its number when their texts agree, else to the task
    whose text it resembles most; the table wins for the units it names.
    """
    by_number = {row.number: row for row in rows}
    used: set[int] = set()
    for task in plan.tasks:
        row = by_number.get(task.number)
        if row is None or id(row) in used or _similarity(task.body, row.content) < 0.5:
            scored = [
                (_similarity(task.body, r.content), i)
                for i, r in enumerate(rows)
                if id(r) not in used
            ]
            best = max(scored, default=(0, None))
            row = rows[best[1]] if best[0] >= 0.6 else None
        if row is None:
            continue
        used.add(id(row))
        fields = []
        if row.lead:
            fields.append(f"牵头单位:{row.lead}")
        if row.responsible:
            fields.append(f"责任单位:{row.responsible}")
        table = parse_unit_bracket(";".join(fields)) if fields else UnitBracket()
        if table.lead_units:
            task.lead_units = table.lead_units
        if table.responsible_units:
            task.responsible_units = [
                u for u in table.responsible_units if u not in task.lead_units
            ]
        if row.deadline and task.deadline.source == DEADLINE_SOURCE_PLAN_DEFAULT:
            deadline = parse_deadline(row.deadline, plan.year)
            if deadline is not None:
                task.deadline = deadline
        if task.lead_units:
            task.warnings = [
                w for w in task.warnings if w not in (WARNING_NO_LEAD, WARNING_NO_UNITS)
            ]
        elif task.responsible_units and WARNING_NO_UNITS in task.warnings:
            task.warnings[task.warnings.index(WARNING_NO_UNITS)] = WARNING_NO_LEAD

"""Task tables (责任分解表 / 任务清单) found in Word, PDF, HTML and Excel files.

A table whose header row names the columns (序号, 重点任务, 牵头单位, 责任单位, 完成时限)
is a task table: each row becomes one task line in the bracket style the rules already
read, `3.内容(牵头单位:A;责任单位:B;完成时限:C)`, and a row holding one value across the
table is a section heading. Any other table is written out one cell per line.
"""

import re
from dataclasses import asdict, dataclass

from .text import clean_line

_COLUMN_NAMES = {
    "number": r"序号|编号|序列",
    "content": r"重点任务|工作任务|主要任务|任务内容|具体内容|改革任务|工作内容|任务事项|具体任务"
    r"|工作措施|主要措施|具体措施|改革举措|任务措施|重点工作|事项|任务",
    "lead": r"牵头单位|牵头部门|牵头责任单位|主责单位|牵头",
    "responsible": r"责任单位|配合单位|协办单位|参与单位|配合部门|责任部门|协同单位|参加单位",
    "deadline": r"完成时限|时间节点|完成时间|时限要求|完成期限|进度安排|时间安排|时限",
}
_COLUMN_RES = {key: re.compile(rf"^(?:{pattern})$") for key, pattern in _COLUMN_NAMES.items()}
_HEADING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[(（]\s*[一二三四五六七八九十]{1,3}\s*[)）])"
)
_CN_NUMERALS = "一二三四五六七八九十"
_CN_NUMBER_CELL_RE = re.compile(
    r"[一二三四五六七八九十]{1,3}[、.．]?|[(（][一二三四五六七八九十]{1,3}[)）]"
)
_HEADER_SCAN_ROWS = 8


@dataclass
class TaskRow:
    """One row of a task table, cleaned."""

    number: int | None
    content: str
    lead: str
    responsible: str
    deadline: str

    def as_dict(self) -> dict:
        return asdict(self)


def _cell(value) -> str:
    """A cell's text on one line: wrapped Chinese joins directly, Latin words with a space."""
    if value is None:
        return ""
    parts = [
        part for part in (clean_line(p) for p in str(value).replace("\r", "\n").split("\n")) if part
    ]
    text = parts[0] if parts else ""
    for part in parts[1:]:
        latin = (
            text[-1:].isascii()
            and text[-1:].isalnum()
            and part[:1].isascii()
            and part[:1].isalnum()
        )
        text += (" " if latin else "") + part
    return text


def _column_key(cell: str) -> str | None:
    name = re.sub(r"[\s:：*※]", "", cell)
    name = re.sub(r"[(（].*?[)）]$", "", name)
    for key, pattern in _COLUMN_RES.items():
        if pattern.match(name):
            return key
    return None


def find_header(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    """(row index, column of each field) of the header row, or None for another table."""
    for index, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            key = _column_key(cell)
            if key and key not in columns:
                columns[key] = position
        if "content" in columns and ("lead" in columns or "responsible" in columns):
            return index, columns
    return None


def _number(text: str) -> int | None:
    match = re.fullmatch(r"\s*(\d{1,4})\s*[.、．]?\s*", text)
    return int(match.group(1)) if match else None


def _section_title(row: list[str]) -> str | None:
    """The text of a row that holds one value (merged across the table), else None."""
    values = [cell for cell in row if cell]
    if values and len(set(values)) == 1 and (len(values) > 1 or len(row) > 1):
        value = values[0]
        if _number(value) is None:
            return value
    return None


@dataclass
class TaskTable:
    """A task table read into rows and section headings, in order."""

    items: list  # TaskRow or str (a section heading)

    @property
    def rows(self) -> list[TaskRow]:
        return [item for item in self.items if isinstance(item, TaskRow)]


def read_task_table(raw_rows: list[list]) -> TaskTable | None:
    """Read a table as a task table; None when no header row names its columns."""
    rows = [[_cell(value) for value in row] for row in raw_rows]
    found = find_header(rows)
    if found is None:
        return None
    header_index, columns = found
    items: list = []
    last: TaskRow | None = None
    for row in rows[header_index + 1 :]:
        if not any(row):
            continue
        if find_header([row]) is not None:
            continue  # the header repeated on a new page
        title = _section_title(row)
        if title is not None:
            items.append(title)
            last = None
            continue

        def get(key: str, row=row) -> str:
            position = columns.get(key)
            return row[position] if position is not None and position < len(row) else ""

        number = _number(get("number")) if "number" in columns else None
        content = get("content")
        numeral = _CN_NUMBER_CELL_RE.fullmatch(get("number")) if "number" in columns else None
        if numeral and content and not (get("lead") or get("responsible")):
            # `一 | 政务服务 | | |`: a section row written in the 序号 and task columns.
            mark = numeral.group(0).rstrip("、.．")
            items.append(f"{mark}{'' if mark.startswith(('(', '（')) else '、'}{content}")
            last = None
            continue
        if not content:
            continue
        if "number" in columns and number is None and not get("number") and last is not None:
            # A row continuing the task above (a cell split over two rows or pages).
            if content != last.content:
                last.content += content
            continue
        last = TaskRow(number, content, get("lead"), get("responsible"), get("deadline"))
        items.append(last)
    if not any(isinstance(item, TaskRow) for item in items):
        return None
    numbers = [row.number for row in items if isinstance(row, TaskRow)]
    if None in numbers or len(set(numbers)) != len(numbers):
        position = 0
        for item in items:
            if isinstance(item, TaskRow):
                position += 1
                item.number = position
    return TaskTable(items)


def task_row_line(row: TaskRow) -> str:
    """The row in the bracket style the rules read: `3.内容(牵头单位:A;责任单位:B;完成时限:C)`."""
    fields = []
    if row.lead:
        fields.append(f"牵头单位:{row.lead}")
    if row.responsible:
        fields.append(f"责任单位:{row.responsible}")
    if row.deadline:
        fields.append(f"完成时限:{row.deadline}")
    content = row.content.rstrip("。;；,， ")
    bracket = f"({';'.join(fields)})" if fields else ""
    return f"{row.number}.{content}{bracket}"


def chinese_numeral(value: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (1–99)."""
    digits = "零" + _CN_NUMERALS[:9]
    tens, ones = divmod(value, 10)
    if tens == 0:
        return digits[ones]
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")


def task_table_lines(table: TaskTable) -> list[str]:
    """Lines for the pipeline: numbered headings for section rows, one line per task."""
    lines = []
    sections = 0
    for item in table.items:
        if isinstance(item, TaskRow):
            lines.append(task_row_line(item))
            continue
        sections += 1
        if _HEADING_RE.match(item):
            lines.append(item)
        else:
            lines.append(f"{chinese_numeral(sections)}、{item}")
    return lines


def plain_table_lines(raw_rows: list[list]) -> list[str]:
    """A table that is not a task table: each distinct cell on a line of its own."""
    lines = []
    for raw_row in raw_rows:
        previous = None
        for value in raw_row:
            cell = _cell(value)
            if cell and cell != previous:  # merged cells repeat their value
                lines.append(cell)
            previous = cell
    return lines


_BARE_NUMBER_RE = re.compile(r"^\d{1,4}$")
_MIN_COLUMNS = 3


def _is_deadline_cell(text: str) -> bool:
    from .deadlines import looks_like_deadline

    return looks_like_deadline(text)


def _row_from_cells(number: int, cells: list[str], columns: list[str]) -> TaskRow:
    """Map the cells after the number to the columns; missing cells are told by content."""
    fields = [key for key in columns if key != "number"]
    values: dict[str, str] = {}
    if len(cells) >= len(fields):
        extra = len(cells) - len(fields)  # a content cell wrapped over several lines
        position = fields.index("content") if "content" in fields else 0
        merged = cells[:position] + ["".join(cells[position : position + extra + 1])]
        merged += cells[position + extra + 1 :]
        values = dict(zip(fields, merged, strict=False))
    else:
        rest = list(cells)
        if rest:
            values["content"] = rest.pop(0)
        if rest and "deadline" in fields and _is_deadline_cell(rest[-1]):
            values["deadline"] = rest.pop()
        for key in ("lead", "responsible"):
            if rest and key in fields:
                values[key] = rest.pop(0)
    return TaskRow(
        number,
        values.get("content", ""),
        values.get("lead", ""),
        values.get("responsible", ""),
        values.get("deadline", ""),
    )


def relink_cell_lines(texts: list[str]) -> list[tuple[int, int, str]] | None:
    """A table copied as text, one cell per line, read back into task lines.

    Returns (first line, end line, task or heading line) spans that replace the cell
    lines, or None when the text holds no such table. Rows are told apart by their
    bare 序号 lines (1, 2, 3…), so a missing cell does not shift the others.
    """
    for start in range(len(texts)):
        columns = []
        end = start
        while end < len(texts) and _column_key(texts[end]) and len(columns) < 8:
            columns.append(_column_key(texts[end]))
            end += 1
        if (
            len(columns) < _MIN_COLUMNS
            or "number" not in columns
            or "content" not in columns
            or not ({"lead", "responsible"} & set(columns))
        ):
            continue
        spans: list[tuple[int, int, str]] = []
        index = end
        expected = None
        while index < len(texts):
            text = texts[index]
            if _HEADING_RE.match(text) and not _BARE_NUMBER_RE.match(text):
                spans.append((index, index + 1, text))
                index += 1
                continue
            if not _BARE_NUMBER_RE.match(text) or (expected is not None and int(text) != expected):
                break
            number = int(text)
            cells_end = index + 1
            while cells_end < len(texts):
                following = texts[cells_end]
                if following == str(number + 1) or _HEADING_RE.match(following):
                    break
                cells_end += 1
            cells = texts[index + 1 : cells_end]
            if not cells:
                break
            row = _row_from_cells(number, cells, columns)
            spans.append((index, cells_end, task_row_line(row)))
            expected = number + 1
            index = cells_end
        if any(not _HEADING_RE.match(line) for _, _, line in spans):
            return [(start, end, "")] + spans
    return None

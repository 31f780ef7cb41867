"""Document structure: headings become sections, numbered items become tasks.

Plans number their tasks `1.` `2、` `３．` under headings `一、` and `(一)`. A few plans
(the "ten key tasks" kind) have no numbered items: each heading is itself a task,
followed by one paragraph that ends with the unit bracket.
"""

import re
from dataclasses import dataclass, field

from .parsed import ParsedSection
from .text import Line, chinese_numeral_value, is_page_chrome
from .units import find_unit_bracket, is_label_line

_CN_NUMERAL = "一二三四五六七八九十"
_HEADING1_RE = re.compile(rf"^(?P<num>[{_CN_NUMERAL}]{{1,3}})\s*[、.．]\s*(?P<rest>.*)$")
_HEADING2_RE = re.compile(
    rf"^(?P<mark>[(（]\s*(?P<num>[{_CN_NUMERAL}]{{1,3}})\s*[)）])\s*[、.．]?\s*(?P<rest>.*)$"
)
# `3.0版` or `2020年底前` at the start of a line is body text, not an item number.
# `1* .开展…`: some plans star their new measures after the number.
_ITEM_RE = re.compile(r"^(?P<num>\d{1,4})\s*[*＊※]?\s*[.、．](?!\d)\s*(?P<rest>.*)$")
# `(1)建设平台`: a sub-item, part of its task unless the document has nothing else.
_SUB_ITEM_RE = re.compile(r"^[(（]\s*(?P<num>\d{1,3})\s*[)）]\s*(?P<rest>.*)$")
_ATTACHMENT_RE = re.compile(r"^附\s*[件表]\s*[0-9一二三四五六七八九十]*\s*(?:[:：].*)?$")
# Sections that describe the plan rather than assign work: numbered points under them
# are tasks only when they carry a unit bracket.
_NON_TASK_SECTION_RE = re.compile(
    r"总体要求|指导思想|基本原则|工作目标|主要目标|总体目标|工作步骤|实施步骤|步骤安排|进度安排"
    r"|时间安排|组织保障|保障措施|工作要求|组织实施|工作机制|有关要求|其他事项"
)
# A section named only for that (`三、保障措施`, `四、工作步骤`) holds no task at all, even
# where a point names the unit that organises it; longer titles that merely mention such
# a word (`五、完善工作机制,强化政策落实`) may still hold bracketed tasks.
_NON_TASK_SECTION_NAME_RE = re.compile(
    rf"(?:加强|强化|完善|健全|落实)?(?:{_NON_TASK_SECTION_RE.pattern})|其他|附则"
)
# A first line without a full stop, this short, is a title line of its own.
_TITLE_LINE_MAX = 40


@dataclass
class TaskDraft:
    """Lines of one task as found in the document, before units and dates are read."""

    number: int | None
    section_index: int | None
    raw_lines: list[str]
    pieces: list[str]  # cleaned text, one piece per line, without the item number
    heading_title: str = ""  # set for heading-tasks
    heading_numeral: str = ""
    has_bracket: bool = False
    # Fields written on lines of their own instead of a bracket: `牵头单位:A`, `完成时限:B`.
    labels: list[str] = field(default_factory=list)
    position: int = 0  # index of the task's first line in the body lines

    def add(self, raw: str, text: str) -> None:
        self.raw_lines.append(raw)
        if text and is_label_line(text):
            self.labels.append(text)
        elif text:
            self.pieces.append(text)
        self.has_bracket = find_unit_bracket(self.text) is not None or any(
            not is_deadline_label_line(label) for label in self.labels
        )

    @property
    def text(self) -> str:
        """Cleaned prose; a short first line without 。 stays a separate title line."""
        if len(self.pieces) > 1 and _is_title_line(self.pieces[0]):
            return self.pieces[0] + "\n" + "".join(self.pieces[1:])
        return "".join(self.pieces)

    @property
    def body(self) -> str:
        """The prose followed by the labelled lines, one per line."""
        # A heading-task written on one line (`(一)推进一网通办。`) is its own prose.
        text = self.text or self.heading_title
        return "\n".join([text, *self.labels]) if self.labels else text

    @property
    def source_text(self) -> str:
        return "\n".join(self.raw_lines)


@dataclass
class Structure:
    sections: list[ParsedSection] = field(default_factory=list)
    tasks: list[TaskDraft] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_deadline_label_line(text: str) -> bool:
    return is_label_line(text) and re.match(r"^(?:完成|时间|时限)", text) is not None


def _is_title_line(text: str) -> bool:
    return (
        len(text) <= _TITLE_LINE_MAX
        and "。" not in text
        and not text.endswith((",", "，", "、", ";", "；", ":", "："))
        and find_unit_bracket(text) is None
    )


def match_heading(text: str) -> tuple[int, str, str, str] | None:
    """(level, numeral as written, title, text after the title) for a heading line."""
    match = _HEADING2_RE.match(text)
    if match:
        level, numeral = 2, match.group("mark").replace(" ", "")
    else:
        match = _HEADING1_RE.match(text)
        if not match:
            return None
        level, numeral = 1, match.group("num")
    title, _, rest = match.group("rest").partition("。")
    return level, numeral, title.strip(" :："), rest.strip()


def match_item(text: str) -> tuple[int, str] | None:
    """(number, text after the number) for a numbered item line such as `12.推进…`."""
    match = _ITEM_RE.match(text)
    if not match or int(match.group("num")) < 1:
        return None
    if int(match.group("num")) >= 1000 and re.match(r"\d|年", match.group("rest")):
        return None  # `2020、2021年连续…`: years, not item 2020
    return int(match.group("num")), match.group("rest").strip()


def is_attachment_marker(text: str) -> bool:
    """`附件`, `附件1`, `附件:…责任分解表`: what follows repeats or annexes the plan."""
    return bool(_ATTACHMENT_RE.match(text))


def _title_follows(lines: list[Line], position: int) -> bool:
    """Tell whether the next document line after `position` is a title, not a point."""
    for line in lines[position + 1 :]:
        if is_page_chrome(line.text):
            continue
        text = line.text
        return (
            match_heading(text) is None
            and match_item(text) is None
            and _is_title_line(text)
            and not is_label_line(text)
        )
    return False


def _in_non_task_section(sections: list[ParsedSection], index: int | None) -> bool:
    while index is not None:
        if _NON_TASK_SECTION_RE.search(sections[index].title):
            return True
        index = sections[index].parent_index
    return False


def _in_named_non_task_section(sections: list[ParsedSection], index: int | None) -> bool:
    """Inside (or is) a section whose whole title is 保障措施, 工作步骤 and the like."""
    while index is not None:
        if _NON_TASK_SECTION_NAME_RE.fullmatch(sections[index].title.strip(" ,，。")):
            return True
        index = sections[index].parent_index
    return False


def parse_structure(lines: list[Line]) -> Structure:
    """Find sections and task drafts in the body lines of a plan (after its header)."""
    structure = Structure()
    sections = structure.sections
    items: list[TaskDraft] = []
    headings: list[TaskDraft] = []
    current: TaskDraft | None = None
    last_level1: int | None = None
    subs: list[TaskDraft] = []
    current_sub: TaskDraft | None = None

    for position, line in enumerate(lines):
        text = line.text
        if is_page_chrome(text):
            continue
        if is_attachment_marker(text):
            # After the plan, an attachment repeats or annexes it. Before anything was
            # found, "附件" above a title line means the plan itself is the notice's
            # attachment; straight above numbered points it is a bare annex.
            if sections or items or not _title_follows(lines, position):
                break
            continue
        heading = match_heading(text)
        if heading:
            level, numeral, title, rest = heading
            parent = last_level1 if level == 2 else None
            index = len(sections)
            sections.append(ParsedSection(numeral, title, level, parent, index))
            if level == 1:
                last_level1 = index
            current = TaskDraft(
                None, index, [], [], heading_title=title, heading_numeral=numeral, position=position
            )
            current.add(line.raw, rest)
            headings.append(current)
            current_sub = None
            continue
        item = match_item(text)
        if item:
            number, rest = item
            section_index = len(sections) - 1 if sections else None
            current = TaskDraft(number, section_index, [], [], position=position)
            current.add(line.raw, rest)
            items.append(current)
            current_sub = None
            continue
        sub = _SUB_ITEM_RE.match(text)
        if sub and int(sub.group("num")) >= 1:
            section_index = len(sections) - 1 if sections else None
            current_sub = TaskDraft(int(sub.group("num")), section_index, [], [], position=position)
            current_sub.add(line.raw, sub.group("rest").strip())
            subs.append(current_sub)
        elif current_sub is not None and (not current_sub.has_bracket or is_label_line(text)):
            current_sub.add(line.raw, text)
        # A paragraph joins the open task until its unit bracket has been seen;
        # after that it is closing text ("此外,…"), not part of the task. Labelled
        # lines (`责任单位:…`, `完成时限:…`) always belong to the task above them.
        if current is not None and (not current.has_bracket or is_label_line(text)):
            current.add(line.raw, text)

    # Numbered points only under 保障措施 and the like leave the headings as the tasks.
    structure.tasks = _select_items(items, sections, structure.warnings)
    if not structure.tasks and len(subs) >= 2 and all(sub.has_bracket for sub in subs):
        # Only `(1)` points, each with its own units: they are the tasks.
        structure.tasks = _select_items(subs, sections, structure.warnings)
    if not structure.tasks:
        structure.tasks = _number_heading_tasks(
            [
                heading
                for heading in headings
                if heading.has_bracket
                and not _in_named_non_task_section(sections, heading.section_index)
            ]
        )
    return structure


def _select_items(
    items: list[TaskDraft], sections: list[ParsedSection], warnings: list[str]
) -> list[TaskDraft]:
    """Keep numbered items that are tasks; a number seen before is skipped with a warning.

    Plans that start again at 1 under every heading are numbered through instead, so
    that no task is lost and 序号 stays unique within the plan.
    """
    candidates = [
        item
        for item in items
        # A bare number is a table row index; points under 总体要求 etc. are no tasks.
        if item.body.strip()
        and not _in_named_non_task_section(sections, item.section_index)
        and (item.has_bracket or not _in_non_task_section(sections, item.section_index))
    ]
    if _numbered_per_section(candidates):
        for number, item in enumerate(candidates, start=1):
            item.number = number
        warnings.append(
            f"任务按各部分分别编号,已按出现顺序统一编为1—{len(candidates)}号,请核对原文"
        )
        return candidates

    tasks: list[TaskDraft] = []
    seen: set[int] = set()
    for item in candidates:
        if item.number in seen:
            warnings.append(f"任务序号{item.number}重复出现,已忽略重复的条目,请核对原文")
            continue
        seen.add(item.number)
        tasks.append(item)
    numbers = [task.number for task in tasks]
    # Numbering may run on from points under 总体要求 (1., 2.) to the tasks (3., 4.…).
    kept = {id(item) for item in candidates}
    skipped = {item.number for item in items if id(item) not in kept}
    first = numbers[0] if numbers else 1
    leading_points_skipped = set(range(1, first)) <= skipped
    if numbers and (
        numbers != list(range(first, first + len(numbers))) or not leading_points_skipped
    ):
        warnings.append("任务序号不连续或顺序有误,请核对原文")
    return tasks


def _item_title(item: TaskDraft) -> str:
    return re.split(r"[。\n]", item.body, maxsplit=1)[0].strip()


def _numbered_per_section(items: list[TaskDraft]) -> bool:
    """Tell whether numbering starts again at 1 under each new heading (1,2,3 | 1,2 | 1…).

    A run that repeats earlier titles is a copy of the tasks (a table), not a restart.
    """
    runs: list[list[TaskDraft]] = []
    for item in items:
        if item.number == 1 or not runs:
            runs.append([])
        runs[-1].append(item)
    if len(runs) < 2:
        return False
    for index, run in enumerate(runs):
        if [item.number for item in run] != list(range(1, len(run) + 1)):
            return False
        if index and run[0].section_index == runs[index - 1][-1].section_index:
            return False
    titles = [_item_title(item) for item in items]
    return len(set(titles)) == len(titles)


def _number_heading_tasks(drafts: list[TaskDraft]) -> list[TaskDraft]:
    """Number heading-tasks by their numeral (一 → 1, 十一 → 11), or in order if that clashes."""
    values = [chinese_numeral_value(draft.heading_numeral.strip("()（）")) for draft in drafts]
    unique = None not in values and len(set(values)) == len(values)
    for position, draft in enumerate(drafts, start=1):
        draft.number = values[position - 1] if unique else position
    return drafts

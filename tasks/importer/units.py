"""Unit brackets: who leads a task, who is responsible, and the deadline written with them.

A task ends with a bracket naming its units, written in several styles:
`(牵头单位:A;责任单位:B,6月底完成)`, `〔责任单位:B〕`,
`(牵头单位:A;责任单位:B;完成时限:2021年4月底。)` and `(A牵头,B按职责分工负责)`.
"""

import re
from dataclasses import dataclass, field

from .deadlines import looks_like_deadline
from .text import CJK, to_simplified

_OPENERS = {"(": "paren", "（": "paren", "〔": "square", "[": "square", "【": "square"}
_CLOSERS = {")": "paren", "）": "paren", "〕": "square", "]": "square", "】": "square"}
_TRAILING_AFTER_BRACKET = " 。.;；,，"
_UNIT_KEYWORD_RE = re.compile(r"牵头|责任单位|责任部门|配合单位|协办单位|负责|按照?职责")

_LABEL_WORDS = (
    r"牵头单位|牵头部门|主办单位|责任单位|责任部门|配合单位|配合部门|协办单位"
    r"|参与单位|协助单位|完成时限|完成时间|完成期限|时间节点|时限要求"
)
# `牵头单位:A`, or `牵头单位 A 责任单位 B` when a copy lost the colons (a full label word
# standing after the opening or a space, so "均为责任单位,以下…" is not a label).
_LABEL_RE = re.compile(
    rf"(?P<label>{_LABEL_WORDS}|牵头|时限)\s*[:：]"
    rf"|(?:^|(?<=\s))(?P<bare>{_LABEL_WORDS})\s+(?=\S)"
)
# A line of its own such as `牵头单位:市发改委` or `完成时限:2023年6月底` under a task.
_LABEL_LINE_RE = re.compile(rf"^(?:{_LABEL_WORDS})\s*[:：]")
_LEAD_LABELS = {"牵头单位", "牵头部门", "主办单位", "牵头"}
_DEADLINE_LABELS = {"完成时限", "完成时间", "完成期限", "时间节点", "时限要求", "时限"}
_SEPARATORS = ",，;；。"
_DUTY_TAIL_RE = re.compile(
    r"(?:按照?(?:各自)?职责(?:分工)?|分别|共同|配合)?(?:负责落实|负责|配合|参与|落实)$"
    r"|按照?(?:各自)?职责(?:分工)?[^、,，;；()（）]{0,3}$"
)
_LEAD_KEYWORD_RE = re.compile(r"牵头(?!单位|部门)")
# `A(牵头)、B`: the lead marked after its name.
_MARKED_LEAD_RE = re.compile(r"[(（]\s*牵头\s*[)）]")
# `A牵头负责,B参与`: what follows 牵头 before the next unit.
_LEAD_DUTY_RE = re.compile(r"^(?:负责|抓总|总负责|落实|实施)")
# "X均为责任单位,以下不再列出": X are responsible for this task and every later one.
_SHARED_NOTE_RE = re.compile(
    r"^(?P<units>.+?)(?:均|都|也)?为(?:共同|各项任务的?|所有任务的?)?(?:责任|配合)单位$"
)
_CARRY_FORWARD_RE = re.compile(
    r"以下[^,，;；。]{0,8}?不再(?:一一|逐一|逐项|重复)?列(?:出|明|举)"
    r"|以下(?:各项)?(?:任务)?(?:均)?同|下同|以下略"
    r"|不再(?:一一|逐一|逐项|重复|单独)?列(?:出|明|举)|不再(?:做|作)分工"
)
# "以下各任务均需X落实", "具体任务均涉及X": X share this task (and, with 不再列出, the next).
_SHARED_DUTY_RE = re.compile(
    r"^(?:以下|具体)?(?:各项?|所有|全部)?(?:任务|工作)?(?:均|都)(?:需|要|应|须|由|涉及)"
    r"(?P<units>.+?)(?:按照?职责(?:分工)?)?(?:负责落实|落实|负责|参与|配合)?$"
)
# `(第一责任单位为牵头单位,下同)` inside a unit list: a convention, not a unit.
_CONVENTION_NOTE_RE = re.compile(r"[(（][^()（）]*为牵头(?:单位|部门)[^()（）]*[)）]")

PLACE_CHARS = "省市州县区"
# Endings of organisation names. Single characters are those that end names but rarely
# end the ordinary nouns found inside names ("州自然资源和规划局": 资源 is not a name).
ORG_SUFFIXES = (
    "政府", "办公厅", "办公室", "管委会", "委员会", "小组", "中心", "公司", "集团", "部门",
    "单位", "机构", "机关", "办事处", "银行", "海关", "法院", "检察院", "协会", "商会",
    "工商联", "供销社", "指挥部", "街道", "乡镇", "企业", "党委", "党组", "政协", "人大",
    "局", "厅", "委", "办", "会", "院", "所", "站", "队", "室", "处", "部", "社", "联",
    "司", "行", "署", "校", "馆", "团", "组",
)  # fmt: skip
_COLLECTIVE_RE = re.compile(
    r"各|相关|有关|成员单位|所属|直属"
    r"|^(?:县市区|县市|市州|县区|市县|乡镇)"
    r"|^[省市州县区]直(?:机关)?(?:单位|部门)$"
)
_CJK_ONLY_RE = re.compile(f"^[{CJK}]+$")
# What `等` leaves behind in "A、B等单位", "A等10个部门": a word, not an organisation.
_BARE_GROUP_WORD_RE = re.compile(r"^(?:[0-9一二三四五六七八九十]+个)?(?:单位|部门|机构|机关|地方)$")
# "高等学校", "中等职业学校": 等 inside a name rather than closing a list.
_ETC_INSIDE_NAME_BEFORE = "高中初平同对均上下"


@dataclass
class UnitBracket:
    """What a unit bracket says: normalised unit names and the deadline as written."""

    lead_units: list[str] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    deadline_text: str = ""
    # Units the note "…均为责任单位,以下不再列出" makes responsible for later tasks too.
    carried_units: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- brackets


def find_unit_bracket(text: str) -> tuple[int, int] | None:
    """Span (start, end) of the unit bracket closing a task, or None.

    It is the last bracket of the text (only punctuation may follow it) and it names
    units, so `(人进、权进、事进)` or `(国令第722号)` in the body never qualify.
    """
    end = len(text.rstrip(_TRAILING_AFTER_BRACKET))
    if end == 0 or text[end - 1] not in _CLOSERS:
        return None
    family = _CLOSERS[text[end - 1]]
    depth = 0
    for index in range(end - 1, -1, -1):
        char = text[index]
        if _CLOSERS.get(char) == family:
            depth += 1
        elif _OPENERS.get(char) == family:
            depth -= 1
            if depth == 0:
                content = text[index + 1 : end - 1]
                return (index, end) if _UNIT_KEYWORD_RE.search(content) else None
    return None


def is_label_line(text: str) -> bool:
    """Tell whether a line is a labelled field of a task (`责任单位:…`), not prose."""
    return bool(_LABEL_LINE_RE.match(text))


def split_top_level(text: str, separators: str) -> list[str]:
    """Split on separators outside parentheses: `各县(市、区)人民政府` stays whole."""
    parts, buffer, depth = [], [], 0
    for char in text:
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth = max(depth - 1, 0)
        if depth == 0 and char in separators:
            parts.append("".join(buffer))
            buffer = []
        else:
            buffer.append(char)
    parts.append("".join(buffer))
    return parts


def _split_deadline_tail(text: str) -> tuple[str, str]:
    """Separate a trailing deadline ("…,6月底完成") from the unit list before it."""
    parts = split_top_level(text, _SEPARATORS)
    cut = len(parts)
    while cut > 0 and (not parts[cut - 1].strip() or looks_like_deadline(parts[cut - 1])):
        cut -= 1
    if cut == len(parts) or not any(part.strip() for part in parts[cut:]):
        return text, ""
    # Re-cut the original string so the deadline keeps its punctuation as written.
    offset = sum(len(part) + 1 for part in parts[:cut])
    return text[: max(offset - 1, 0)], text[offset:].strip(" 。.;；,，")


def _strip_separators(text: str) -> str:
    return text.strip(" " + _SEPARATORS + "、:：")


def _read_responsible(text: str, bracket: UnitBracket) -> None:
    """Read a responsible-unit list, including a "均为责任单位,以下不再列出" note."""
    carry = bool(_CARRY_FORWARD_RE.search(text))
    text = _CONVENTION_NOTE_RE.sub("", text)
    for part in split_top_level(text, _SEPARATORS):
        part = _strip_separators(part)
        if not part or _CARRY_FORWARD_RE.fullmatch(part):
            continue
        note = _SHARED_NOTE_RE.match(part) or _SHARED_DUTY_RE.match(part)
        if note:
            names = split_unit_names(note.group("units"))
            bracket.responsible_units.extend(n for n in names if n not in bracket.responsible_units)
            if carry:
                bracket.carried_units.extend(names)
            continue
        names = split_unit_names(_DUTY_TAIL_RE.sub("", part))
        bracket.responsible_units.extend(
            name
            for name in names
            if _is_plausible_unit(name) and name not in bracket.responsible_units
        )


def _is_plausible_unit(name: str) -> bool:
    """A two-character word that ends like no organisation (`卖力`, `推进`) is not a unit
    (three characters may be an abbreviation such as 区经投)."""
    return len(name) > 2 or ends_with_org_suffix(name) or is_collective_unit_name(name)


def parse_unit_bracket(content: str) -> UnitBracket:
    """Read the inside of a unit bracket (without the bracket characters)."""
    bracket = UnitBracket()
    labels = list(_LABEL_RE.finditer(content))
    if labels:
        _parse_labelled(content, labels, bracket)
    else:
        _parse_keyword_style(content, bracket)
    return bracket


def _parse_labelled(content: str, labels: list[re.Match], bracket: UnitBracket) -> None:
    """`牵头单位:A;责任单位:B;完成时限:C` (any order, any separator).

    Text before the first label is a keyword-style unit list:
    `(A牵头,B配合;完成时限:2022年6月底)`.
    """
    before = _strip_separators(content[: labels[0].start()])
    if before:
        _parse_keyword_style(before, bracket)
    for index, match in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(content)
        value = _strip_separators(content[match.end() : end])
        label = match.group("label") or match.group("bare")
        if label in _DEADLINE_LABELS:
            bracket.deadline_text = value
            continue
        units_text, deadline = _split_deadline_tail(value)
        if deadline and not bracket.deadline_text:
            bracket.deadline_text = deadline
        if label in _LEAD_LABELS:
            bracket.lead_units.extend(split_unit_names(units_text))
        elif _MARKED_LEAD_RE.search(units_text):
            _read_marked_lead(units_text, bracket)
        else:
            _read_responsible(units_text, bracket)


def _read_marked_lead(units_text: str, bracket: UnitBracket) -> None:
    """`A(牵头)、B、C`: the marked names lead, the others are responsible."""
    others = []
    for part in split_top_level(units_text, "、" + _SEPARATORS):
        if _MARKED_LEAD_RE.search(part):
            bracket.lead_units.extend(split_unit_names(_MARKED_LEAD_RE.sub("", part)))
        elif part.strip():
            others.append(part)
    _read_responsible(_DUTY_TAIL_RE.sub("", "、".join(others)), bracket)


def _parse_keyword_style(content: str, bracket: UnitBracket) -> None:
    """`A、B牵头,C按职责分工负责`, `A(牵头)、B`, `A牵头负责,B参与` or `A、B等按职责分工负责` (no lead)."""
    units_text, bracket.deadline_text = _split_deadline_tail(content)
    if _MARKED_LEAD_RE.search(units_text):
        _read_marked_lead(units_text, bracket)
        return
    match = _LEAD_KEYWORD_RE.search(units_text)
    if match:
        bracket.lead_units.extend(split_unit_names(units_text[: match.start()]))
        rest = _strip_separators(_LEAD_DUTY_RE.sub("", units_text[match.end() :]))
    else:
        rest = _strip_separators(units_text)
    rest = _DUTY_TAIL_RE.sub("", rest)
    _read_responsible(rest, bracket)


# --------------------------------------------------------------------------- names


def ends_with_org_suffix(name: str) -> bool:
    """Tell whether a name ends like an organisation (局, 政府, 管委会…)."""
    return name.endswith(ORG_SUFFIXES)


def is_collective_unit_name(name: str) -> bool:
    """Tell whether a name stands for a group of units (各县市人民政府, 省直相关部门…)."""
    return bool(_COLLECTIVE_RE.search(normalise_unit_name(name)))


def normalise_unit_name(name: str) -> str:
    """Canonical spelling of a unit name: simplified, no spaces, full-width parentheses."""
    name = to_simplified(name or "")
    name = re.sub(r"\s+", "", name)
    name = name.replace("(", "（").replace(")", "）")
    previous = None
    while previous != name:
        previous = name
        name = name.strip(" ,，、;；。.:：")
        if name.endswith("等"):
            name = name[:-1]
    return name


def _tokenise(text: str) -> list[list[str]]:
    """Split a unit list into runs of names joined by 、 (other separators end a run).

    A shared suffix only spreads within one run: `长沙市、岳阳市、郴州市人民政府`.
    """
    runs: list[list[str]] = [[]]
    buffer: list[str] = []
    depth = 0

    def push(end_run: bool) -> None:
        item = "".join(buffer).strip()
        buffer.clear()
        if item:
            runs[-1].append(item)
        if end_run and runs[-1]:
            runs.append([])

    for index, char in enumerate(text):
        nxt = text[index + 1] if index + 1 < len(text) else ""
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth = max(depth - 1, 0)
        if depth > 0 or char in _OPENERS or char in _CLOSERS:
            buffer.append(char)
        elif char == "、":
            push(end_run=False)
        elif char in _SEPARATORS or char == "及":
            push(end_run=True)
        elif char == "等" and (not buffer or buffer[-1] not in _ETC_INSIDE_NAME_BEFORE):
            push(end_run=True)
        elif char == "和" and nxt and ends_with_org_suffix("".join(buffer).strip()):
            push(end_run=True)
        else:
            buffer.append(char)
    push(end_run=True)
    return [run for run in runs if run]


def _without_each(name: str) -> str:
    return name[1:] if name.startswith("各") else name


def _spread_place_suffix(stems: list[str], last: str) -> list[str] | None:
    """`长沙市、岳阳市、郴州市人民政府`, `各市州、县市区人民政府`: place stems share a suffix."""
    cores = [_without_each(stem) for stem in stems]
    if not all(core and core[-1] in PLACE_CHARS and len(core) <= 8 for core in cores):
        return None
    last_core = _without_each(last)
    if last_core[0] in PLACE_CHARS:
        # A composite area word such as 县市区: the whole run of place characters.
        cut = 0
        while cut < len(last_core) and last_core[cut] in PLACE_CHARS:
            cut += 1
    else:
        target = cores[-1][-1]
        cut = last_core.find(target, 1) + 1
        if cut == 0:
            cut = next((i + 1 for i in range(1, len(last_core)) if last_core[i] in PLACE_CHARS), 0)
    suffix = last_core[cut:]
    if cut == 0 or len(suffix) < 2 or not ends_with_org_suffix(suffix):
        return None
    each = "各" if stems[0].startswith("各") else ""
    names = [(each if not stem.startswith("各") else "") + stem + suffix for stem in stems]
    return names + [(each if not last.startswith("各") else "") + last]


def _spread_plain_suffix(stems: list[str], last: str) -> list[str] | None:
    """`自贸试验区长沙、岳阳、郴州片区管委会`: short bare names share prefix and suffix."""
    if len(stems) < 2 or any(is_collective_unit_name(stem) for stem in stems):
        return None
    if not all(_CJK_ONLY_RE.match(stem) for stem in [*stems, last]):
        return None
    size = len(stems[-1])
    if not 2 <= size <= 3 or any(len(stem) != size for stem in stems[1:]):
        return None
    prefix = stems[0][:-size]
    core = last[len(prefix) :] if prefix and last.startswith(prefix) else last
    suffix = core[size:]
    if len(suffix) < 2 or not ends_with_org_suffix(suffix):
        return None
    return [stems[0] + suffix] + [prefix + stem + suffix for stem in stems[1:]] + [prefix + core]


def _expand_run(run: list[str]) -> list[str]:
    """Spread a suffix written once over the bare names before it, where that is safe."""
    names: list[str] = []
    stems: list[str] = []
    for item in run:
        if not ends_with_org_suffix(normalise_unit_name(item)):
            stems.append(item)
            continue
        if stems:
            spread = _spread_place_suffix(stems, item) or _spread_plain_suffix(stems, item)
            names.extend(spread or [*stems, item])
            stems = []
        else:
            names.append(item)
    names.extend(stems)
    return names


def split_unit_names(text: str) -> list[str]:
    """Split a unit list into normalised names, in order, without duplicates."""
    names: list[str] = []
    for run in _tokenise(text):
        for name in _expand_run(run):
            name = normalise_unit_name(name)
            if name and not _BARE_GROUP_WORD_RE.match(name) and name not in names:
                names.append(name)
    return names

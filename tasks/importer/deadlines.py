"""Deadlines and milestones: turn Chinese date phrases into dates.

Plans write deadlines relative to the plan year ("6月底完成" in a 2020 plan means
2020-06-30), sometimes with an explicit year ("2021年4月底"), sometimes as a standing
duty ("立行立改,长期坚持") that has no date at all.
"""

import calendar
import re
from datetime import date

from .parsed import (
    DEADLINE_SOURCE_DOCUMENT,
    DEADLINE_SOURCE_PLAN_DEFAULT,
    ParsedDeadline,
    ParsedMilestone,
)

# One alternative per way of writing a date; group names say which fields it carries.
# Alternatives marked "weak" below are accepted as a task deadline but are too vague to
# turn a sentence of the body into a milestone.
_DATE_RE = re.compile(
    r"(?P<y1>\d{4})\s*年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*[日号]"
    r"|(?P<y2>\d{4})\s*年\s*(?P<m2>\d{1,2})\s*月(?!\s*\d)"
    r"|(?P<y3>\d{4})\s*年\s*(?:年?底|年?末)"
    r"|(?P<y4>\d{4})\s*年\s*(?:第\s*)?(?P<q4>[一二三四1-4])\s*季度"
    r"|(?P<y5>\d{4})\s*年\s*(?P<h5>[上下])半年"
    r"|(?P<y12>\d{4})\s*年\s*(?:度?内|完成)"
    r"|(?<![\d年月])(?P<m6>\d{1,2})\s*月\s*(?P<d6>\d{1,2})\s*[日号]"
    r"|(?<![\d年月])(?P<m7>\d{1,2})\s*月\s*(?:底|末)"
    r"|(?<![\d年月])(?P<m8>\d{1,2})\s*月份?(?!\s*\d)"
    r"|(?P<ye>年底|年末|年内|今年)"
    r"|(?:第\s*)?(?P<q10>[一二三四])\s*季度"
    r"|(?P<h11>[上下])半年"
)
_WEAK_GROUPS = ("y4", "y5", "y12", "m8", "q10", "h11")
_WEAK_YEAR_END = ("年内", "今年")

_ONGOING_RE = re.compile(r"长期|持续|常态|立行立改|立即|立刻|马上|经常|每年|每季|每月|定期|常年")
_CLAUSE_SPLIT_RE = re.compile(r"[。;；!！?？]")
# `每月5日前报送工作进展`: a reporting rule, not a deadline nor a standing duty.
_REPORTING_RE = re.compile(
    r"(?:每(?:个)?(?:月|季度?|半年|年|周|旬|两个月)|按月|按季度?)"
    r"[^,，;；。()（）〔〕]{0,16}?(?:报送|上报|报告|报)[^,，;；。()（）〔〕]{0,12}"
)
_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_DEADLINE_PHRASE_MAX = 24  # "2021年6月底前全面完成" is a deadline, a long sentence is not


def month_end(year: int, month: int) -> date:
    """Last day of a month (handles leap years: 2020-02 → 29)."""
    return date(year, month, calendar.monthrange(year, month)[1])


def _safe_date(year: int, month: int, day: int | None = None) -> date | None:
    """A date, or None when the numbers cannot be one (13月, 2月30日…)."""
    try:
        if day is None:
            return month_end(year, month)
        return date(year, month, day)
    except ValueError:
        return None


def _resolve(match: re.Match, plan_year: int) -> date | None:
    """Turn one `_DATE_RE` match into a date, using the plan year when none is written."""
    g = match.groupdict()
    if g["y1"]:
        return _safe_date(int(g["y1"]), int(g["m1"]), int(g["d1"]))
    if g["y2"]:
        return _safe_date(int(g["y2"]), int(g["m2"]))
    if g["y3"]:
        return date(int(g["y3"]), 12, 31)
    if g["y4"]:
        return month_end(int(g["y4"]), _QUARTER[g["q4"]] * 3)
    if g["y5"]:
        return month_end(int(g["y5"]), 6 if g["h5"] == "上" else 12)
    if g["y12"]:
        return date(int(g["y12"]), 12, 31)
    if g["m6"]:
        return _safe_date(plan_year, int(g["m6"]), int(g["d6"]))
    if g["m7"]:
        return _safe_date(plan_year, int(g["m7"]))
    if g["m8"]:
        return _safe_date(plan_year, int(g["m8"]))
    if g["ye"]:
        return date(plan_year, 12, 31)
    if g["q10"]:
        return month_end(plan_year, _QUARTER[g["q10"]] * 3)
    if g["h11"]:
        return month_end(plan_year, 6 if g["h11"] == "上" else 12)
    return None


def _is_weak(match: re.Match) -> bool:
    """Vague forms (季度, 上半年, 6月份, 年内) make deadlines but not milestones."""
    g = match.groupdict()
    if any(g[name] for name in _WEAK_GROUPS):
        return True
    return g["ye"] in _WEAK_YEAR_END


def last_date(text: str, plan_year: int) -> date | None:
    """The latest date written in text ("3月底前启动,年底前完成" → the year end), or None."""
    dates = [_resolve(match, plan_year) for match in _DATE_RE.finditer(text)]
    return max((due for due in dates if due is not None), default=None)


def is_ongoing_phrase(text: str) -> bool:
    """Tell whether text describes a standing duty ("长期坚持", "持续推进")."""
    return bool(_ONGOING_RE.search(text))


def looks_like_deadline(text: str) -> bool:
    """Tell whether a short piece of a unit bracket is a deadline, not a unit name."""
    text = text.strip(" 。.;；,，")
    if not text or len(text) > _DEADLINE_PHRASE_MAX:
        return False
    return bool(_DATE_RE.search(text)) or is_ongoing_phrase(text)


def find_reporting_rules(text: str) -> list[str]:
    """Reporting rules such as `每月5日前报送工作进展`, as written."""
    return [match.group(0).strip() for match in _REPORTING_RE.finditer(text)]


def parse_deadline(text: str, plan_year: int) -> ParsedDeadline | None:
    """Read a deadline phrase; None when it names neither a date nor a standing duty.

    Reporting rules (`每月5日前报送`) are left out: they say when to report, not when
    the task is due.
    """
    written = text.strip(" 。.;；,，")
    if _REPORTING_RE.search(written):
        rest = _REPORTING_RE.sub("", written).strip(" 。.;；,，")
        if not rest:
            return None
        deadline = parse_deadline(rest, plan_year)
        if deadline is not None:
            deadline.text = written
        return deadline
    if not written:
        return None
    # A deadline that names several dates ends with the last one.
    due = last_date(written, plan_year)
    if due is not None:
        return ParsedDeadline(due_on=due, text=written, source=DEADLINE_SOURCE_DOCUMENT)
    if is_ongoing_phrase(written):
        return ParsedDeadline(
            due_on=None, text=written, source=DEADLINE_SOURCE_DOCUMENT, is_ongoing=True
        )
    return None


def plan_default_deadline(plan_year: int) -> ParsedDeadline:
    """Deadline of a task that names none: the end of the plan year."""
    return ParsedDeadline(
        due_on=date(plan_year, 12, 31), text="", source=DEADLINE_SOURCE_PLAN_DEFAULT
    )


def find_milestones(text: str, plan_year: int, not_before: date | None) -> list[ParsedMilestone]:
    """Dated commitments in a task body ("2021年9月底前研究提出…"), one per date.

    Dates before `not_before` (the signing date) describe the past ("将2019年10月1日
    之前有据可查的…数据录入"), so they are not milestones.
    """
    milestones: list[ParsedMilestone] = []
    seen: set[tuple[date, str]] = set()
    for clause in _CLAUSE_SPLIT_RE.split(text):
        clause = clause.strip(" ,，、")
        for match in _DATE_RE.finditer(clause):
            if _is_weak(match) or clause[max(match.start() - 1, 0) : match.start()] == "每":
                continue
            due = _resolve(match, plan_year)
            if due is None or (not_before is not None and due < not_before):
                continue
            if (due, clause) not in seen:
                seen.add((due, clause))
                milestones.append(ParsedMilestone(due_on=due, text=clause))
    return milestones

"""Reporting rules written in a plan (每月5日前报送, 每季度末报送 …), read with generic regexes.

Pure Python: returns a `ParsedReportingRule` or None. A rule needs a cycle word (每月 /
每季度 / 每半年) and a reporting verb (报送 / 上报 / 报告 …) in the same sentence, so that
"每季度召开一次联席会议" is not taken for a reporting cycle.
"""

import re
from dataclasses import dataclass

MONTHLY, QUARTERLY, HALF_YEARLY = "monthly", "quarterly", "half_yearly"

_CYCLES = (
    (re.compile(r"每(?:个)?月"), MONTHLY),
    (re.compile(r"每(?:个)?季(?:度)?"), QUARTERLY),
    (re.compile(r"每半年"), HALF_YEARLY),
)
_REPORT_VERB = re.compile(r"报送|上报|报告|反馈|报\S{0,2}(?:进展|进度|情况)")
_SENTENCE = re.compile(r"[^。;;\n]+")
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class ParsedReportingRule:
    cycle: str  # monthly / quarterly / half_yearly
    day: int | None  # report by day N of the month after the period; None: by the period's end
    working_days: bool  # day N counts working days (前5个工作日)
    text: str  # the sentence the rule came from


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + _NUMERALS.get(text[1:], 0)
    if "十" in text:
        tens, _, units = text.partition("十")
        return _NUMERALS[tens] * 10 + _NUMERALS.get(units, 0)
    return _NUMERALS[text]


_NUMBER = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_WORKING_DAY = re.compile(rf"(?:前|第)?{_NUMBER}个工作日")
_DAY = re.compile(rf"{_NUMBER}[日号]")


def reporting_rule(text: str) -> ParsedReportingRule | None:
    """The first reporting rule in `text`, or None when it states none."""
    for sentence in _SENTENCE.findall(text):
        if not _REPORT_VERB.search(sentence):
            continue
        for pattern, cycle in _CYCLES:
            found = pattern.search(sentence)
            if found is None:
                continue
            rest = sentence[found.end() :]
            working = _WORKING_DAY.search(rest)
            if working:
                day, working_days = _number(working.group(1)), True
            elif (day_match := _DAY.search(rest)) and re.match(
                r"\s*(?:前|之前|以前)", rest[day_match.end() :]
            ):
                day, working_days = _number(day_match.group(1)), False
            else:  # 每季度末报送, 每月底前报送, 每月报送
                day, working_days = None, False
            if day is not None and not 1 <= day <= 31:
                continue
            return ParsedReportingRule(cycle, day, working_days, sentence.strip()[:200])
    return None

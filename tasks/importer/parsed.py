"""Plain data produced by the policy-document parser.

The parser is pure Python (no database): the service `tasks.services.plan_import`
turns a `ParsedPlan` into rows in one transaction.
"""

from dataclasses import dataclass, field
from datetime import date

ROLE_LEAD = "lead"
ROLE_RESPONSIBLE = "responsible"

DEADLINE_SOURCE_DOCUMENT = "document"
DEADLINE_SOURCE_PLAN_DEFAULT = "plan_default"


@dataclass
class ParsedSection:
    """A heading such as `一、…` (level 1) or `(一)…` (level 2)."""

    numeral: str  # "一", "(一)" as written (normalised to simplified text)
    title: str  # heading text without the numeral, e.g. "进一步提升政务服务效能"
    level: int  # 1 for 一、, 2 for (一)
    parent_index: int | None  # index into ParsedPlan.sections, None for top level
    position: int  # order in the document, 0-based


@dataclass
class ParsedMilestone:
    due_on: date
    text: str  # the clause that carries the date, e.g. "2021年9月底前研究提出一批取消、下放…的行政权力事项"


@dataclass
class ParsedDeadline:
    due_on: date | None
    text: str  # as written, e.g. "6月底完成", "2021年4月底", "立行立改,长期坚持"; "" for a plan default
    source: str  # DEADLINE_SOURCE_DOCUMENT or DEADLINE_SOURCE_PLAN_DEFAULT
    is_ongoing: bool = False


@dataclass
class ParsedTask:
    number: int  # 序号 within the plan
    section_index: int | None  # index into ParsedPlan.sections
    title: str  # leading phrase up to the first 。 (or the heading for heading-tasks)
    body: str  # full cleaned (simplified) text of the task, unit bracket included
    source_text: str  # the task's text exactly as in the raw document (before cleaning)
    lead_units: list[str]  # normalised unit names, in document order
    responsible_units: list[str]
    deadline: ParsedDeadline
    milestones: list[ParsedMilestone] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # Chinese, shown to office staff
    # `每月5日前报送工作进展`: when the units report, for the reporting-cycle work.
    reporting_rules: list[str] = field(default_factory=list)


@dataclass
class ParsedPlan:
    title: str
    doc_number: str  # "" when the document has none
    issuer: str
    issued_on: date | None
    year: int
    sections: list[ParsedSection]
    tasks: list[ParsedTask]
    warnings: list[str] = field(default_factory=list)  # plan-level warnings (Chinese)
    # The issuing government read from the document (see importer.government), filled
    # when the parser is given the known regions; None when it cannot be determined.
    region_code: str | None = None
    region_name: str = ""
    region_evidence: list[str] = field(default_factory=list)
    region_candidates: list[str] = field(default_factory=list)


class DocumentError(Exception):
    """A document that cannot be imported; the message (Chinese) says why."""

"""Pure-Python importer of reform plans (放管服 / 优化营商环境 work plans).

No Django here: `read_document` and `parse_document` turn a file into a `ParsedPlan`,
which `tasks.services` stores.
"""

from .document import decode_document, parse_document, plan_government_detect, read_document
from .government import KnownRegion, detect_government, unit_government
from .parsed import (
    DEADLINE_SOURCE_DOCUMENT,
    DEADLINE_SOURCE_PLAN_DEFAULT,
    ROLE_LEAD,
    ROLE_RESPONSIBLE,
    DocumentError,
    ParsedDeadline,
    ParsedMilestone,
    ParsedPlan,
    ParsedSection,
    ParsedTask,
)
from .source import SUFFIXES, SourceDocument, extract_source, parse_source, read_source
from .units import is_collective_unit_name, normalise_unit_name

__all__ = [
    "DEADLINE_SOURCE_DOCUMENT",
    "DEADLINE_SOURCE_PLAN_DEFAULT",
    "ROLE_LEAD",
    "ROLE_RESPONSIBLE",
    "SUFFIXES",
    "DocumentError",
    "KnownRegion",
    "ParsedDeadline",
    "ParsedMilestone",
    "ParsedPlan",
    "ParsedSection",
    "ParsedTask",
    "SourceDocument",
    "decode_document",
    "detect_government",
    "extract_source",
    "is_collective_unit_name",
    "normalise_unit_name",
    "parse_document",
    "parse_source",
    "plan_government_detect",
    "read_document",
    "read_source",
    "unit_government",
]

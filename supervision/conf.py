"""Supervision settings with their defaults; override any of them in reform/settings.py."""

from django.conf import settings

DEFAULTS = {
    # A lead unit must acknowledge (签收) a published task within this many working days.
    "SUPERVISION_ACK_WORKING_DAYS": 3,
    # An issued 督办单 must be answered within this many working days.
    "SUPERVISION_NOTICE_ANSWER_WORKING_DAYS": 5,
    # An issued 督办单 still unanswered after its answer deadline is urged (催办) and its
    # colour raised; while unanswered, it is urged again every this many working days.
    "SUPERVISION_ESCALATION_REPEAT_WORKING_DAYS": 5,
    # Blue notice: due within this many days ...
    "SUPERVISION_BLUE_DUE_WITHIN_DAYS": 7,
    # ... and no report for at least this many days.
    "SUPERVISION_BLUE_NO_REPORT_DAYS": 14,
    # Yellow notice: no report for more than this many days ...
    "SUPERVISION_YELLOW_NO_REPORT_DAYS": 30,
    # ... or progress this many percentage points below the elapsed share of the time.
    "SUPERVISION_YELLOW_PROGRESS_GAP": 30,
    # Letterhead printed on a notice.
    "SUPERVISION_LETTERHEAD": "优化营商环境工作领导小组办公室",
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])

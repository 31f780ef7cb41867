"""The notice-colour rule as a pure function of one task's dates and numbers."""

from dataclasses import dataclass
from datetime import date

from . import conf
from .choices import NoticeColour


@dataclass(frozen=True)
class NoticeProposal:
    colour: str
    reason: str


def notice_colour(
    *,
    as_of: date,
    due_on: date | None,
    start_on: date | None,
    progress: int,
    last_report_on: date | None,
    is_overdue: bool,
    report_missing: bool | None = None,
) -> NoticeProposal | None:
    """The most severe notice a task deserves on `as_of`, or None.

    red    — overdue (`Task.objects.overdue(as_of)` decides, passed in as `is_overdue`);
    yellow — progress well below the elapsed share of the time, or no report for over a month;
    blue   — due within 7 days and no report in the last N days.

    A task without a due date (长期坚持, or a deadline not yet set) can be neither overdue
    nor due soon and has no elapsed share, but it must still report: it gets yellow when
    it missed a report under its reporting rule (`report_missing`, given by
    `notices_propose`), or, when that is not given, when no report came for over a month.
    """
    if is_overdue and due_on is not None:
        days = (as_of - due_on).days
        return NoticeProposal(
            NoticeColour.RED,
            f"任务已超过完成时限({due_on:%Y年%m月%d日}){days}天,请立即办结并书面报告。",
        )
    days_since_report = None
    if last_report_on is not None:
        days_since_report = (as_of - last_report_on).days
    elif start_on is not None:
        days_since_report = (as_of - start_on).days

    if due_on is not None and start_on is not None and start_on < due_on and start_on <= as_of:
        elapsed = min(100, (as_of - start_on).days * 100 // (due_on - start_on).days)
        if progress + conf.get("SUPERVISION_YELLOW_PROGRESS_GAP") < elapsed:
            return NoticeProposal(
                NoticeColour.YELLOW,
                f"时间已过{elapsed}%,进度仅{progress}%,进度明显滞后。",
            )
    if report_missing is not None:
        # The task's reporting rule decides (`Task.objects.not_reported`): a quarterly task
        # is not nagged after a month of quiet, a monthly one by the 5th is on the 6th.
        if report_missing:
            since = f"已{days_since_report}天" if days_since_report is not None else ""
            return NoticeProposal(NoticeColour.YELLOW, f"未按报送周期报送进展({since}未报送)。")
    elif days_since_report is not None and days_since_report > conf.get(
        "SUPERVISION_YELLOW_NO_REPORT_DAYS"
    ):
        return NoticeProposal(NoticeColour.YELLOW, f"已{days_since_report}天未报送进展。")

    if due_on is None:
        return None
    days_left = (due_on - as_of).days
    no_recent_report = last_report_on is None or (as_of - last_report_on).days >= conf.get(
        "SUPERVISION_BLUE_NO_REPORT_DAYS"
    )
    if 0 <= days_left <= conf.get("SUPERVISION_BLUE_DUE_WITHIN_DAYS") and no_recent_report:
        return NoticeProposal(
            NoticeColour.BLUE,
            f"距完成时限({due_on:%Y年%m月%d日})还有{days_left}天,近期未报送进展。",
        )
    return None

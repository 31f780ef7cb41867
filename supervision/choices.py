from django.db import models


class NoticeColour(models.TextChoices):
    """Severity of a 督办单, from a reminder (blue) to an overdue escalation (red)."""

    BLUE = "blue", "蓝色(临近提醒)"
    YELLOW = "yellow", "黄色(进度滞后)"
    RED = "red", "红色(逾期催办)"


class NoticeStatus(models.TextChoices):
    """Proposed by the system, issued when the office confirms, answered by the unit.

    An issued notice still unanswered when its task is verified complete is closed by
    that completion (CLOSED); it reached the unit, so it still counts in scores.
    """

    PROPOSED = "proposed", "待确认"
    ISSUED = "issued", "已下发"
    ANSWERED = "answered", "已回复"
    CANCELLED = "cancelled", "已撤销"
    CLOSED = "closed", "已办结(任务销号)"


class AssessmentRuleKind(models.TextChoices):
    """What an assessment rule counts for a unit in a period; each count earns the rule's points."""

    ON_TIME_COMPLETION = "on_time_completion", "按期销号任务数"
    MONTHLY_REPORT = "monthly_report", "按月报送(任务×月)"
    NOTICE_BLUE = "notice_blue", "蓝色督办单数"
    NOTICE_YELLOW = "notice_yellow", "黄色督办单数"
    NOTICE_RED = "notice_red", "红色督办单数"
    LATE_ACKNOWLEDGEMENT = "late_acknowledgement", "超时签收任务数"
    OVERDUE_AT_END = "overdue_at_end", "期末逾期未完成任务数"
    DAYS_OVERDUE = "days_overdue", "期末逾期天数(合计)"
    MISSED_REPORT = "missed_report", "未按报送周期报送次数"
    NOTICE_ANSWERED_LATE = "notice_answered_late", "督办单超时回复数"
    NOTICE_UNANSWERED = "notice_unanswered", "督办单逾期未回复数"
    SENT_BACK = "sent_back", "销号申请被退回次数"


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", "季度"
    YEAR = "year", "年度"

"""send_reminders: each unit's digest of overdue, due-soon and unreported tasks, once a day."""

import io
from datetime import date

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from portal.models import ReminderLog
from tasks.choices import TaskStatus
from tasks.services import report_submit

from .conftest import make_plan, make_task, make_unit, make_user

pytestmark = pytest.mark.django_db

AS_OF = "2030-06-10"


@pytest.fixture
def units():
    market, tax, silent = (
        make_unit("州市场监督管理局"),
        make_unit("州税务局"),
        make_unit("州公安局"),
    )
    plan = make_plan(title="湘西州优化营商环境工作方案")
    tasks = {
        "overdue": make_task(plan=plan, lead_units=[market], due_on=date(2030, 5, 31)),
        "soon": make_task(
            plan=plan, lead_units=[tax], responsible_units=[market], due_on=date(2030, 6, 20)
        ),
        "later": make_task(plan=plan, lead_units=[market], due_on=date(2030, 12, 31)),
        "done": make_task(
            plan=plan,
            lead_units=[market],
            due_on=date(2030, 5, 1),
            status=TaskStatus.COMPLETED,
            completed_on=date(2030, 4, 30),
        ),
    }
    market_user = make_user(units=[market])
    market_user.email = "scjg@example.gov.cn"
    market_user.save()
    make_user(units=[market])  # no e-mail address: not a recipient
    tax_user = make_user(units=[tax])
    tax_user.email = "sw@example.gov.cn"
    tax_user.save()
    make_user(units=[silent])
    return {"market": market, "tax": tax, "tasks": tasks, "market_user": market_user}


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_reminders", "--date", AS_OF, *args, stdout=out)
    return out.getvalue()


def test_each_unit_gets_one_digest_with_overdue_due_soon_and_unreported(units):
    run()
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"scjg@example.gov.cn", "sw@example.gov.cn"}
    market = by_recipient["scjg@example.gov.cn"]
    assert market.subject == "【改革任务督办】州市场监督管理局:逾期1项,即将到期1项,未按期报送3项"
    body = market.body
    overdue_part = body.split("【已逾期】")[1].split("【")[0]
    assert "任务1" in overdue_part and "完成时限 2030-05-31,已逾期10天" in overdue_part
    soon_part = body.split("【15天内到期】")[1].split("【")[0]
    assert "任务2" in soon_part and "完成时限 2030-06-20,还剩10天" in soon_part
    unreported = body.split("【未按报送周期报送进展】")[1]
    assert "任务3" in unreported and "任务4" not in unreported  # completed tasks are not nagged
    assert f"/tasks/{units['tasks']['overdue'].pk}/" in body


def test_running_twice_the_same_day_sends_nothing_new(units):
    run()
    assert len(mail.outbox) == 2
    output = run()
    assert len(mail.outbox) == 2
    assert "已向 0 个单位发送提醒" in output
    assert ReminderLog.objects.count() == 2


def test_next_day_sends_again(units):
    run()
    call_command("send_reminders", "--date", "2030-06-11", stdout=io.StringIO())
    assert len(mail.outbox) == 4


def test_a_report_this_month_removes_the_task_from_unreported(units):
    task = units["tasks"]["later"]
    report_submit(
        task=task,
        user=units["market_user"],
        status="in_progress",
        progress=30,
        text="本月已推进",
        expected_version=task.version,
    )
    call_command("send_reminders", stdout=io.StringIO())  # today: the report is this month
    market = next(m for m in mail.outbox if m.to == ["scjg@example.gov.cn"])
    assert "任务3" not in market.body.split("【未按报送周期报送进展】")[1]


def test_days_option_widens_the_due_soon_window(units):
    run("--days", "5")
    market = next(m for m in mail.outbox if m.to == ["scjg@example.gov.cn"])
    assert "即将到期0项" in market.subject
    assert "【5天内到期】" not in market.body


def test_failed_send_is_retried_on_the_next_run(units, settings, monkeypatch):
    import portal.services

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(portal.services, "send_mail", broken)
    with pytest.raises(CommandError, match="2 个单位的提醒发送失败"):
        run()
    assert not ReminderLog.objects.exists()
    monkeypatch.undo()
    run()
    assert len(mail.outbox) == 2


def test_one_units_failure_does_not_stop_the_others(units, monkeypatch):
    import portal.services

    real_send_mail = portal.services.send_mail

    def refuses_market(subject, body, sender, recipients):
        if "scjg@example.gov.cn" in recipients:
            raise ValueError("recipient refused")
        return real_send_mail(subject, body, sender, recipients)

    monkeypatch.setattr(portal.services, "send_mail", refuses_market)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 个单位"):
        call_command("send_reminders", "--date", AS_OF, stdout=io.StringIO(), stderr=err)
    assert [m.to for m in mail.outbox] == [["sw@example.gov.cn"]]
    assert "州市场监督管理局:发送失败(ValueError: recipient refused)" in err.getvalue()
    assert list(ReminderLog.objects.values_list("unit__name", flat=True)) == ["州税务局"]
    monkeypatch.undo()
    run()  # the retry sends only the unit that failed
    assert [m.to for m in mail.outbox] == [["sw@example.gov.cn"], ["scjg@example.gov.cn"]]


def test_bad_date_is_a_clear_error():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", "2030-13-01", stdout=io.StringIO())


def test_console_backend_is_the_default():
    from django.conf import settings as django_settings

    # pytest-django swaps in the locmem backend; the project default is the console.
    import reform.settings

    assert reform.settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
    assert django_settings.DEFAULT_FROM_EMAIL


def test_digest_lists_tasks_published_but_not_acknowledged_in_time(units):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from supervision.models import PlanPublication, TaskAcknowledgement

    plan = units["tasks"]["later"].plan
    PlanPublication.objects.create(
        plan=plan, published_at=datetime(2030, 6, 3, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    )  # Monday; three working days to acknowledge, so overdue by 2030-06-10
    TaskAcknowledgement.objects.create(
        task=units["tasks"]["overdue"],
        unit=units["market"],
        acknowledged_at=datetime(2030, 6, 4, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    run()
    market = next(m for m in mail.outbox if m.to == ["scjg@example.gov.cn"])
    assert market.subject.endswith(",逾期未签收1项")
    unacknowledged = market.body.split("【交办后逾期未签收】")[1].split("【")[0]
    assert "任务3" in unacknowledged and "任务1" not in unacknowledged


def test_past_date_ignores_reports_made_after_it(units):
    """`--date 2030-06-10` is that day's digest: a report on June 20 had not happened yet."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tasks.models import ProgressReport

    task = units["tasks"]["later"]
    report = report_submit(
        task=task,
        user=units["market_user"],
        status="in_progress",
        progress=30,
        text="六月下旬推进",
        expected_version=task.version,
    )
    later = datetime(2030, 6, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    ProgressReport.objects.filter(pk=report.pk).update(created_at=later)
    run()
    market = next(m for m in mail.outbox if m.to == ["scjg@example.gov.cn"])
    assert f"第{task.number}项" in market.body.split("【未按报送周期报送进展】")[1]


def test_past_date_lists_a_task_verified_complete_later_as_unreported(units):
    task = units["tasks"]["later"]
    task.status = TaskStatus.COMPLETED
    task.completed_on = date(2030, 6, 25)
    task.save()
    run()
    market = next(m for m in mail.outbox if m.to == ["scjg@example.gov.cn"])
    assert f"第{task.number}项" in market.body.split("【未按报送周期报送进展】")[1]

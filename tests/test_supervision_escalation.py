"""催办: unanswered 督办单 escalate by themselves on the official working-day calendar, with a
copy to the unit's 分管领导, and red ones reach the leaders' dashboard by name."""

import io
import smtplib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from notifications.models import Channel, ChannelKind, Delivery, Notification
from regions.models import Region
from supervision import escalation
from supervision.choices import NoticeColour, NoticeStatus
from supervision.escalation import notices_escalate, red_unanswered
from supervision.models import EscalationNotice, NoticeUrge
from supervision.timeline import task_events
from tasks.models import Task
from units.models import UnitLeaderContact
from units.roles import LEADER_GROUP, OFFICE_GROUP

from .conftest import governed, make_plan, make_task, make_unit, make_user

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Friday 26 September 2025, the last working day before the National Day holiday
# (1-8 October 2025; Sunday 28 September and Saturday 11 October are 调休 working days).
FRIDAY_BEFORE_NATIONAL_DAY = date(2025, 9, 26)


def at(day: date, hour=10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def issued_notice(unit, *, colour=NoticeColour.BLUE, issued=FRIDAY_BEFORE_NATIONAL_DAY, task=None):
    task = task or make_task(due_on=date(2025, 12, 31), lead_units=[unit])
    return EscalationNotice.objects.create(
        task=task,
        unit=unit,
        colour=colour,
        reason="进度滞后",
        status=NoticeStatus.ISSUED,
        proposed_on=issued,
        confirmed_at=at(issued),
    )


def escalate(day: date, **kwargs):
    return notices_escalate(as_of=day, **kwargs)


@pytest.fixture
def unit(db):
    return make_unit("市政务服务中心")


@pytest.fixture
def contact(unit):
    return UnitLeaderContact.objects.create(
        unit=unit, name="李强", title="副市长", phone="13800000001", email="liqiang@example.gov.cn"
    )


def test_the_calendar_of_this_test_is_the_official_one():
    assert chinese_calendar.is_workday(date(2025, 9, 28))  # Sunday, 调休
    assert not chinese_calendar.is_workday(date(2025, 10, 8))  # National Day holiday
    assert chinese_calendar.is_workday(date(2025, 10, 11))  # Saturday, 调休


def test_notice_issued_friday_before_national_day_escalates_on_the_makeup_saturday(unit):
    notice = issued_notice(unit)
    # Five working days after Fri 26 Sep: Sun 28, Mon 29, Tue 30 Sep, Thu 9, Fri 10 Oct.
    for day in (date(2025, 9, 30), date(2025, 10, 3), date(2025, 10, 9), date(2025, 10, 10)):
        assert escalate(day).urges == []
    run = escalate(date(2025, 10, 11))
    assert [urge.notice_id for urge in run.urges] == [notice.pk]
    urge = run.urges[0]
    assert (urge.sequence, urge.urged_on, urge.working_days_unanswered) == (
        1,
        date(2025, 10, 11),
        6,
    )


def test_no_urge_on_a_holiday_even_when_long_overdue(unit):
    issued_notice(unit, issued=date(2025, 9, 1))
    run = escalate(date(2025, 10, 8))  # National Day holiday
    assert run.working_day is False
    assert run.urges == []
    assert NoticeUrge.objects.count() == 0


def test_colour_rises_one_level_per_urge_and_stops_at_red(unit):
    notice = issued_notice(unit, colour=NoticeColour.BLUE)
    escalate(date(2025, 10, 11))
    notice.refresh_from_db()
    assert notice.colour == NoticeColour.YELLOW
    # Next urge 5 working days after Sat 11 Oct: 13, 14, 15, 16, 17 → urged Mon 20 Oct.
    assert escalate(date(2025, 10, 17)).urges == []
    second = escalate(date(2025, 10, 20)).urges
    assert [(u.sequence, u.colour_before, u.colour_after) for u in second] == [
        (2, NoticeColour.YELLOW, NoticeColour.RED)
    ]
    assert second[0].working_days_unanswered == 12
    # 21, 22, 23, 24, 27 Oct → urged Tue 28 Oct, still red.
    third = escalate(date(2025, 10, 28)).urges
    assert [(u.sequence, u.colour_before, u.colour_after) for u in third] == [
        (3, NoticeColour.RED, NoticeColour.RED)
    ]
    notice.refresh_from_db()
    assert notice.colour == NoticeColour.RED
    # The notice's history keeps every colour change with its reason.
    reasons = list(
        notice.history.exclude(history_change_reason=None).values_list(
            "history_change_reason", flat=True
        )
    )
    assert sorted(reasons) == [
        "第1次催办:由蓝色(临近提醒)升为黄色(进度滞后)",
        "第2次催办:由黄色(进度滞后)升为红色(逾期催办)",
    ]


def test_running_twice_on_the_same_day_does_nothing_new(unit, contact):
    member = make_user(units=[unit])
    notice = issued_notice(unit, colour=NoticeColour.YELLOW)
    first = escalate(date(2025, 10, 11))
    history_rows = notice.history.count()
    messages = Notification.objects.filter(recipient=member).count()
    second = escalate(date(2025, 10, 11))
    assert (len(first.urges), len(second.urges)) == (1, 0)
    assert NoticeUrge.objects.count() == 1
    assert notice.history.count() == history_rows
    assert Notification.objects.filter(recipient=member).count() == messages == 1
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.colour == NoticeColour.RED  # raised once, not twice


def test_a_missed_day_is_caught_up_with_one_urge(unit):
    issued_notice(unit)
    run = escalate(date(2025, 10, 24))  # cron did not run for two weeks
    assert [urge.sequence for urge in run.urges] == [1]
    # 28-30 Sep, 9-11 Oct, 13-17 Oct and 20-24 Oct.
    assert run.urges[0].working_days_unanswered == 16


@pytest.mark.parametrize(
    "status", [NoticeStatus.ANSWERED, NoticeStatus.CLOSED, NoticeStatus.CANCELLED]
)
def test_answered_closed_or_cancelled_notice_never_escalates(unit, status):
    notice = issued_notice(unit)
    EscalationNotice.objects.filter(pk=notice.pk).update(status=status)
    for day in (date(2025, 10, 11), date(2025, 11, 3), date(2026, 3, 2)):
        assert escalate(day).urges == []
    assert NoticeUrge.objects.count() == 0


def test_proposed_notice_is_not_escalated(unit):
    task = make_task(lead_units=[unit])
    EscalationNotice.objects.create(
        task=task, unit=unit, colour=NoticeColour.BLUE, reason="x", proposed_on=date(2025, 9, 1)
    )
    assert escalate(date(2025, 10, 11)).urges == []


def test_the_leader_in_charge_receives_a_copy_by_email(unit, contact):
    notice = issued_notice(unit)
    urge = escalate(date(2025, 10, 11)).urges[0]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["liqiang@example.gov.cn"]
    assert message.subject == "【催办抄送】市政务服务中心督办单6个工作日未回复"
    assert "副市长李强:" in message.body
    assert "2025年09月26日" in message.body
    assert "第1次催办" in message.body
    assert notice.task.title in message.body
    assert f"/tasks/{notice.task_id}/" in message.body
    urge.refresh_from_db()
    assert urge.copy_to == "副市长李强"
    assert urge.copy_email == "liqiang@example.gov.cn"
    assert urge.copy_emailed_at is not None
    assert urge.copy_error == ""


def test_the_copy_also_goes_through_the_contacts_channel_to_the_leaders_phone(unit, contact):
    gateway_owner = make_user()
    contact.channel = Channel.objects.create(
        name="短信网关",
        kind=ChannelKind.SMS,
        user=gateway_owner,
        url="https://sms.example.com/send?to={phone}&text={text}",
        phones="13900000009",
        secret="s3cret",
    )
    contact.save()
    issued_notice(unit)
    urge = escalate(date(2025, 10, 11)).urges[0]
    deliveries = list(Delivery.objects.values_list("key", "phone", "title"))
    assert deliveries == [
        (
            f"notice-urge-{urge.pk}:13800000001",
            "13800000001",
            "【催办抄送】市政务服务中心:催办:督办单下发6个工作日未回复,已升为黄色(进度滞后):"
            + str(urge.notice.task),
        )
    ]
    assert NoticeUrge.objects.get().copy_channel_key == f"notice-urge-{urge.pk}"


def test_a_refused_email_is_logged_and_the_escalation_stands(unit, contact, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"liqiang@example.gov.cn": (550, b"no such user")})

    monkeypatch.setattr(escalation, "send_mail", refuse)
    notice = issued_notice(unit)
    run = escalate(date(2025, 10, 11))
    assert len(run.failed) == 1
    urge = NoticeUrge.objects.get()
    assert urge.copy_error.startswith("邮件发送失败:SMTPRecipientsRefused")
    assert urge.copy_emailed_at is None
    notice.refresh_from_db()
    assert notice.colour == NoticeColour.YELLOW
    # The command exits non-zero (cron reports it); a rerun the same day retries the mail
    # only: no second 催办, no second colour change.
    with pytest.raises(CommandError, match="1 份催办抄送邮件发送失败"):
        call_command("escalate_notices", "--date", "2025-10-11", stdout=io.StringIO())
    monkeypatch.undo()
    rerun = escalate(date(2025, 10, 11))
    assert (len(rerun.urges), rerun.emailed, rerun.failed) == (0, 1, [])
    assert len(mail.outbox) == 1
    assert NoticeUrge.objects.get().copy_emailed_at is not None
    notice.refresh_from_db()
    assert notice.colour == NoticeColour.YELLOW


def test_without_a_leader_in_charge_the_unit_is_still_urged(unit):
    member = make_user(units=[unit])
    issued_notice(unit)
    urge = escalate(date(2025, 10, 11)).urges[0]
    assert urge.copy_to == ""
    assert mail.outbox == []
    titles = list(Notification.objects.filter(recipient=member).values_list("title", flat=True))
    assert len(titles) == 1
    assert titles[0].startswith("催办:督办单下发6个工作日未回复,已升为黄色(进度滞后)")


def test_urges_are_on_the_task_timeline(unit, contact):
    notice = issued_notice(unit)
    escalate(date(2025, 10, 11))
    urged = [event for event in task_events(notice.task) if event["kind"] == "notice_urged"]
    assert [event["text"] for event in urged] == [
        "第1次催办市政务服务中心:督办单6个工作日未回复,升为黄色(进度滞后),抄送分管领导副市长李强"
    ]


def test_urges_are_on_the_notice_admin_page(client, unit, contact):
    notice = issued_notice(unit)
    escalate(date(2025, 10, 11))
    client.force_login(make_user(group=OFFICE_GROUP, is_staff=True))
    page = client.get(f"/admin/supervision/escalationnotice/{notice.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "催办记录" in text
    assert "副市长李强" in text
    assert "2025年10月11日" in text or "2025-10-11" in text


# --- the 分管领导 contact ------------------------------------------------------------------


def test_a_contact_needs_a_name_and_a_way_to_reach_them(unit):
    with pytest.raises(ValidationError) as error:
        UnitLeaderContact(unit=unit, name="王五", phone="13800000002").full_clean()
    assert error.value.message_dict["email"] == [
        "请填写电子邮箱或选择推送渠道,否则催办抄送无法送达分管领导"
    ]
    with pytest.raises(ValidationError) as error:
        UnitLeaderContact(unit=unit, name=" ", email="a@example.gov.cn").full_clean()
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        UnitLeaderContact(unit=unit, name="王五", phone="电话", email="a@b.cn").full_clean()
    assert error.value.message_dict["phone"] == ["手机号码只能包含数字、空格、+ 和 -:电话"]


def test_the_office_records_the_contact_on_the_unit_page(client, unit):
    client.force_login(make_user(group=OFFICE_GROUP, is_staff=True))
    page = client.get(f"/admin/units/unit/{unit.pk}/change/")
    assert page.status_code == 200
    assert "分管领导" in page.content.decode()
    response = client.post(
        f"/admin/units/unit/{unit.pk}/change/",
        {
            "name": unit.name,
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "leader_contact-TOTAL_FORMS": "1",
            "leader_contact-INITIAL_FORMS": "0",
            "leader_contact-0-name": "赵六",
            "leader_contact-0-title": "副县长",
            "leader_contact-0-phone": "0731-5551234",
            "leader_contact-0-email": "z@x.gov.cn",
        },
    )
    assert response.status_code == 302
    assert UnitLeaderContact.objects.get(unit=unit).name == "赵六"


def test_contacts_are_region_scoped_in_the_admin(client):
    xiangtan = make_unit("市发改委", region=Region.objects.get(code="430300"))
    xiangyang = make_unit("市发改委", region=Region.objects.get(code="420600"))
    own = UnitLeaderContact.objects.create(unit=xiangtan, name="甲", email="a@x.gov.cn")
    other = UnitLeaderContact.objects.create(unit=xiangyang, name="乙", email="b@x.gov.cn")
    client.force_login(governed("430300"))
    listing = client.get("/admin/units/unitleadercontact/").content.decode()
    assert "甲" in listing and "乙" not in listing
    assert client.get(f"/admin/units/unitleadercontact/{own.pk}/change/").status_code == 200
    assert client.get(f"/admin/units/unitleadercontact/{other.pk}/change/").status_code == 302


# --- the command ---------------------------------------------------------------------------


def test_command_urges_and_reports(unit, contact):
    issued_notice(unit)
    out = io.StringIO()
    call_command("escalate_notices", "--date", "2025-10-11", stdout=out)
    text = out.getvalue()
    assert "第1次催办" in text
    assert "蓝色(临近提醒) → 黄色(进度滞后)" in text
    assert "抄送副市长李强" in text
    assert "2025-10-11 催办督办单 1 份,邮件抄送分管领导 1 份。" in text
    again = io.StringIO()
    call_command("escalate_notices", "--date", "2025-10-11", stdout=again)
    assert "2025-10-11 催办督办单 0 份" in again.getvalue()


def test_command_says_so_on_a_holiday_and_refuses_bad_input(unit):
    out = io.StringIO()
    call_command("escalate_notices", "--date", "2025-10-01", stdout=out)
    assert "2025-10-01 不是工作日,不催办。" in out.getvalue()
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        call_command("escalate_notices", "--date", "2025/10/11")
    with pytest.raises(CommandError, match="未知的行政区划"):
        call_command("escalate_notices", "--region", "火星市")


def test_command_for_one_region_urges_only_its_notices():
    xiangtan = make_unit("市商务局", region=Region.objects.get(code="430300"))
    xiangyang = make_unit("市商务局", region=Region.objects.get(code="420600"))
    ours = issued_notice(
        xiangtan,
        task=make_task(
            plan=make_plan(region=Region.objects.get(code="430300")), lead_units=[xiangtan]
        ),
    )
    issued_notice(
        xiangyang,
        task=make_task(
            plan=make_plan(region=Region.objects.get(code="420600")), lead_units=[xiangyang]
        ),
    )
    call_command(
        "escalate_notices", "--date", "2025-10-11", "--region", "湘潭市", stdout=io.StringIO()
    )
    assert list(NoticeUrge.objects.values_list("notice_id", flat=True)) == [ours.pk]


# --- the leaders' dashboard ---------------------------------------------------------------


def red_rows(unit, count, issued=date(2025, 9, 26)):
    return [issued_notice(unit, colour=NoticeColour.RED, issued=issued) for _ in range(count)]


def test_red_notices_unanswered_past_their_deadline_are_listed_by_name(unit):
    late = issued_notice(unit, colour=NoticeColour.RED, issued=date(2025, 9, 26))
    # Due Thu 16 Oct: 11, 13, 14, 15, 16 October.
    recent = issued_notice(unit, colour=NoticeColour.RED, issued=date(2025, 10, 10))
    issued_notice(unit, colour=NoticeColour.YELLOW, issued=date(2025, 9, 1))
    answered = issued_notice(unit, colour=NoticeColour.RED, issued=date(2025, 9, 1))
    EscalationNotice.objects.filter(pk=answered.pk).update(status=NoticeStatus.ANSWERED)
    escalate(date(2025, 10, 11), notices=EscalationNotice.objects.filter(pk=late.pk))
    rows = red_unanswered(tasks=Task.objects.all(), as_of=date(2025, 10, 16))
    assert [(row["notice_id"], row["days_unanswered"], row["urges"]) for row in rows] == [
        (late.pk, 20, 1)
    ]
    assert rows[0]["unit"] == "市政务服务中心"
    # One day later the notice of 10 October is past its deadline too.
    later = red_unanswered(tasks=Task.objects.all(), as_of=date(2025, 10, 17))
    assert [(row["notice_id"], row["days_unanswered"]) for row in later] == [
        (late.pk, 21),
        (recent.pk, 7),
    ]


def test_the_dashboard_shows_the_red_list_in_a_fixed_number_of_queries(
    client, unit, django_assert_max_num_queries
):
    leader = make_user(group=LEADER_GROUP, is_staff=True)
    client.force_login(leader)
    notice = red_rows(unit, 1)[0]
    url = "/dashboard/?as_of=2025-10-20"
    client.get(url)  # warms the figures cache; the red list is computed outside it
    # session, user, groups; the red list: holiday list + notices (with unit, task, plan
    # and their 催办 count); filter choices: lead units, plans, issuers; the bell; the
    # latest published 考评 period. The figures themselves come from the cache.
    with django_assert_max_num_queries(10) as one:
        page = client.get(url)
    one_row = len(one.captured_queries)  # read now: the next request clears the log
    text = page.content.decode()
    assert "红色督办单逾期未回复 <small>1 份</small>" in text
    assert "市政务服务中心" in text
    assert "24天" in text
    assert f"/supervision/notices/{notice.pk}/print/" in text
    red_rows(make_unit("市统计局"), 4)
    client.get(url)  # the new notices replaced the cached figures: warm them again
    with django_assert_max_num_queries(one_row):
        page = client.get(url)
    assert "红色督办单逾期未回复 <small>5 份</small>" in page.content.decode()


def test_an_answer_takes_the_notice_off_the_dashboard_at_once(client, unit):
    client.force_login(make_user(group=LEADER_GROUP, is_staff=True))
    notice = red_rows(unit, 1)[0]
    assert "<small>1 份</small>" in client.get("/dashboard/?as_of=2025-10-20").content.decode()
    notice.status = NoticeStatus.ANSWERED
    notice.save()
    text = client.get("/dashboard/?as_of=2025-10-20").content.decode()
    assert "没有逾期未回复的红色督办单。" in text


def test_a_regions_leader_sees_only_its_own_red_notices(client):
    xiangtan = make_unit("市交通运输局", region=Region.objects.get(code="430300"))
    xiangyang = make_unit("市交通运输局", region=Region.objects.get(code="420600"))
    for unit, code in ((xiangtan, "430300"), (xiangyang, "420600")):
        task = make_task(plan=make_plan(region=Region.objects.get(code=code)), lead_units=[unit])
        issued_notice(unit, colour=NoticeColour.RED, task=task)
    client.force_login(governed("430300", group=LEADER_GROUP))
    text = client.get("/dashboard/?as_of=2025-10-20").content.decode()
    assert "红色督办单逾期未回复 <small>1 份</small>" in text
    assert xiangtan.full_name in text
    assert xiangyang.full_name not in text


# --- the demo ------------------------------------------------------------------------------


def test_demo_escalates_one_notice_once(imported_plans, office_user):
    from supervision.demo import script_year_2022
    from supervision.escalation import escalation_demo

    from .conftest import XIANGTAN

    script_year_2022(plan=imported_plans[XIANGTAN], office=office_user, unit_user=make_user())
    out = io.StringIO()
    first = escalation_demo(stdout=out)
    second = escalation_demo()
    assert NoticeUrge.objects.count() == 1
    assert second.pk == first.pk
    # B's red notice on task 1, issued Thu 1 Sep 2022, due Thu 8 Sep, urged Fri 9 Sep.
    assert (first.notice.task.number, first.urged_on, first.working_days_unanswered) == (
        1,
        date(2022, 9, 9),
        6,
    )
    assert (first.colour_before, first.colour_after) == (NoticeColour.RED, NoticeColour.RED)
    assert first.copy_to == "副市长周明"
    assert first.copy_emailed_at is not None
    assert mail.outbox == []  # the demo address is fictitious: nothing is really sent
    assert "第1次,2022-09-09,抄送副市长周明" in out.getvalue()
    assert UnitLeaderContact.objects.count() == 1


def test_demo_command_ends_with_the_escalated_notice_and_stays_idempotent(imported_plans):
    call_command("create_demo_accounts", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_supervision", stdout=out)
    assert "第1次,2022-09-09,抄送副市长周明" in out.getvalue()
    call_command("demo_supervision", stdout=io.StringIO())
    assert NoticeUrge.objects.count() == 1
    assert UnitLeaderContact.objects.count() == 1


def test_a_notice_raised_by_urging_is_not_proposed_again_in_its_first_colour():
    from supervision.models import PlanPublication
    from supervision.services import notice_issue, notices_propose

    unit = make_unit("市医保局")
    plan = make_plan(issued_on=date(2020, 1, 1))
    make_task(plan=plan, is_ongoing=True, lead_units=[unit])
    PlanPublication.objects.create(plan=plan, published_at=at(date(2020, 6, 1), 9))
    [notice] = notices_propose(as_of=date(2020, 7, 1))
    assert notice.colour == NoticeColour.YELLOW
    notice_issue(
        notices=EscalationNotice.objects.filter(pk=notice.pk),
        user=make_user(group=OFFICE_GROUP, is_staff=True),
    )
    EscalationNotice.objects.filter(pk=notice.pk).update(confirmed_at=at(date(2020, 7, 1)))
    # Issued Wed 1 July 2020, due Wed 8 July, urged Thu 9 July: yellow → red.
    [urge] = escalate(date(2020, 7, 9)).urges
    assert (urge.colour_before, urge.colour_after) == (NoticeColour.YELLOW, NoticeColour.RED)
    assert notices_propose(as_of=date(2020, 9, 1)) == []


def test_a_regions_office_chooses_only_its_own_channels_for_a_leader(client):
    xiangtan = make_unit("市财政局", region=Region.objects.get(code="430300"))
    xiangyang = make_unit("市财政局", region=Region.objects.get(code="420600"))
    for unit, name in ((xiangtan, "湘潭财政局群机器人"), (xiangyang, "襄阳财政局群机器人")):
        Channel.objects.create(
            name=name, kind=ChannelKind.WECOM, unit=unit, url="https://qyapi.example.com/x"
        )
    client.force_login(governed("430300"))
    page = client.get(f"/admin/units/unit/{xiangtan.pk}/change/").content.decode()
    assert "湘潭财政局群机器人" in page
    assert "襄阳财政局群机器人" not in page


def test_merging_two_units_keeps_the_kept_units_leader_in_charge(office_user):
    from units.services import unit_merge

    kept, merged = make_unit("市行政审批服务局"), make_unit("市审批局")
    UnitLeaderContact.objects.create(unit=kept, name="甲", email="a@x.gov.cn")
    UnitLeaderContact.objects.create(unit=merged, name="乙", email="b@x.gov.cn")
    unit_merge(source=merged, target=kept, user=office_user)
    assert list(UnitLeaderContact.objects.values_list("unit_id", "name")) == [(kept.pk, "甲")]
    # A merged unit's contact moves when the kept unit has none.
    other = make_unit("市数据局")
    UnitLeaderContact.objects.create(unit=other, name="丙", email="c@x.gov.cn")
    third = make_unit("市大数据中心")
    unit_merge(source=other, target=third, user=office_user)
    assert UnitLeaderContact.objects.get(name="丙").unit_id == third.pk


def test_the_unit_sees_how_often_its_notice_was_urged(client, unit):
    member = make_user(units=[unit])
    issued_notice(unit)
    escalate(date(2025, 10, 11))
    escalate(date(2025, 10, 20))
    client.force_login(member)
    text = client.get("/supervision/").content.decode()
    assert "逾期未回复,已催办2次" in text
    assert "红色(逾期催办)" in text  # raised twice: blue → yellow → red

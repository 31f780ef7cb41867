"""Outbound channels against a fake HTTP server on 127.0.0.1 started by the tests: the
webhook's HMAC signature, the 企业微信 and 钉钉 robot shapes, the SMS gateway template,
retries with backoff, idempotence, logging, isolation of a failing channel, bad URLs."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from notifications.channels import deliveries_queue, deliveries_send
from notifications.models import Channel, ChannelKind, Delivery, DeliveryStatus
from supervision.services import plan_publish
from tasks.events import EventKind, announce
from units.choices import UnitRole

from .conftest import XIANGXI, make_unit, make_user

pytestmark = pytest.mark.django_db


class FakeServer:
    """Records every request; answers from `answers` (status, body), then 200 {"errcode":0}."""

    def __init__(self):
        self.requests = []
        self.answers = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                server.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length) if length else b"",
                    }
                )
                status, body = server.answers.pop(0) if server.answers else (200, '{"errcode":0}')
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake(settings):
    settings.PORTAL_BASE_URL = "http://dbb.example.gov.cn"
    server = FakeServer()
    yield server
    server.close()


def _channel(unit, kind, url, **extra):
    channel = Channel(name=f"{kind}渠道", kind=kind, unit=unit, url=url, **extra)
    channel.full_clean()
    channel.save()
    return channel


def _announce(unit, title="督办单(红色):1. 加大简政放权力度"):
    announce(
        kind=EventKind.NOTICE_ISSUED,
        unit_ids=[unit.pk],
        title=title,
        body="已逾期30天",
        url="/supervision/",
    )


def test_webhook_is_signed_sent_once_and_logged(fake):
    unit = make_unit()
    _channel(unit, ChannelKind.WEBHOOK, f"{fake.url}/hook", secret="s3cret")
    _announce(unit)
    assert deliveries_send() == {"sent": 1, "failed": 0}
    assert deliveries_send() == {"sent": 0, "failed": 0}  # sent once, never again
    (request,) = fake.requests
    expected = hmac.new(b"s3cret", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Reform-Signature"] == f"sha256={expected}"
    payload = json.loads(request["body"])
    assert payload["kind"] == "notice_issued"
    assert payload["url"] == "http://dbb.example.gov.cn/supervision/"
    delivery = Delivery.objects.get()
    assert request["headers"]["X-Reform-Delivery"] == delivery.key == payload["id"]
    assert delivery.status == DeliveryStatus.SENT and delivery.last_status_code == 200


def test_the_same_event_queues_once_per_channel(fake):
    unit = make_unit()
    _channel(unit, ChannelKind.WEBHOOK, f"{fake.url}/hook", secret="k")
    for _ in range(2):
        deliveries_queue(
            event_id="e1",
            kind="reminder",
            title="提醒",
            body="",
            url="",
            unit_ids=[unit.pk],
            user_ids=[],
        )
    assert Delivery.objects.count() == 1


def test_failed_send_is_retried_with_backoff_and_the_answer_logged(fake):
    unit = make_unit()
    _channel(unit, ChannelKind.WEBHOOK, f"{fake.url}/hook", secret="k")
    fake.answers = [(500, "gateway busy")]
    _announce(unit)
    assert deliveries_send() == {"sent": 0, "failed": 1}
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500 and delivery.last_response == "gateway busy"
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert deliveries_send() == {"sent": 0, "failed": 0}  # not due yet
    assert deliveries_send(now=timezone.now() + timedelta(minutes=2)) == {"sent": 1, "failed": 0}
    assert len(fake.requests) == 2
    assert fake.requests[0]["body"] == fake.requests[1]["body"]


def test_delivery_gives_up_after_the_last_attempt(fake):
    unit = make_unit()
    _channel(unit, ChannelKind.WEBHOOK, f"{fake.url}/hook", secret="k")
    fake.answers = [(503, "down")] * 10
    _announce(unit)
    later = timezone.now()
    for _ in range(10):
        later += timedelta(hours=7)
        deliveries_send(now=later)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 6
    assert len(fake.requests) == 6


def test_a_failing_channel_does_not_block_the_others(fake):
    unit = make_unit()
    _channel(unit, ChannelKind.WEBHOOK, "http://127.0.0.1:9/refused", secret="k")
    _channel(unit, ChannelKind.WECOM, f"{fake.url}/cgi-bin/webhook/send?key=abc")
    _announce(unit)
    assert deliveries_send() == {"sent": 1, "failed": 1}
    broken = Delivery.objects.get(channel__kind=ChannelKind.WEBHOOK)
    assert broken.status == DeliveryStatus.PENDING and "Error" in broken.last_response


def test_wecom_robot_shape_and_its_error_code(fake):
    unit = make_unit()
    _channel(unit, ChannelKind.WECOM, f"{fake.url}/cgi-bin/webhook/send?key=abc")
    fake.answers = [(200, '{"errcode":93000,"errmsg":"invalid webhook url"}')]
    _announce(unit)
    assert deliveries_send() == {"sent": 0, "failed": 1}  # HTTP 200 but refused by the robot
    body = json.loads(fake.requests[0]["body"])
    assert body["msgtype"] == "markdown"
    assert "**督办单(红色):1. 加大简政放权力度**" in body["markdown"]["content"]
    assert "[查看详情](http://dbb.example.gov.cn/supervision/)" in body["markdown"]["content"]


def test_dingtalk_robot_is_signed_with_its_secret(fake):
    unit = make_unit()
    _channel(unit, ChannelKind.DINGTALK, f"{fake.url}/robot/send?access_token=t", secret="SECxyz")
    _announce(unit)
    assert deliveries_send()["sent"] == 1
    request = fake.requests[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    stamp = query["timestamp"][0]
    digest = hmac.new(b"SECxyz", f"{stamp}\nSECxyz".encode(), hashlib.sha256).digest()
    assert query["sign"][0] == base64.b64encode(digest).decode()
    body = json.loads(request["body"])
    assert body["msgtype"] == "markdown" and body["markdown"]["title"].startswith("督办单")


def test_sms_gateway_template_is_filled_and_signed(fake):
    unit = make_unit()
    _channel(
        unit,
        ChannelKind.SMS,
        f"{fake.url}/sms/send?ts={{timestamp}}",
        secret="gw",
        phones="13800000000,13900000000",
        body_template='{"mobile":"{phone}","content":"{text}","sign":"{signature}"}',
    )
    _announce(unit)
    assert deliveries_send()["sent"] == 2
    bodies = sorted((json.loads(r["body"]) for r in fake.requests), key=lambda b: b["mobile"])
    assert [b["mobile"] for b in bodies] == ["13800000000", "13900000000"]
    first = fake.requests[
        [json.loads(r["body"])["mobile"] for r in fake.requests].index("13800000000")
    ]
    stamp = urllib.parse.parse_qs(urllib.parse.urlsplit(first["path"]).query)["ts"][0]
    text = bodies[0]["content"]
    assert text.startswith("【督办单】督办单(红色)")
    expected = hmac.new(b"gw", f"{stamp}13800000000{text}".encode(), hashlib.sha256).hexdigest()
    assert bodies[0]["sign"] == expected


@pytest.mark.parametrize(
    ("kind", "url", "extra", "message"),
    [
        (ChannelKind.WEBHOOK, "ftp://example.com/x", {"secret": "k"}, "http:// 或 https://"),
        (ChannelKind.WEBHOOK, "file:///etc/passwd", {"secret": "k"}, "http:// 或 https://"),
        (ChannelKind.WEBHOOK, "http://dbb.example.gov.cn/api/", {"secret": "k"}, "本系统自身"),
        (ChannelKind.WEBHOOK, "http://127.0.0.1/admin/", {"secret": "k"}, "本系统自身"),
        (ChannelKind.WEBHOOK, "https://hooks.example.com/x", {}, "签名密钥"),
        (
            ChannelKind.SMS,
            "https://sms.example.com/send?m={mobile}&t={text}",
            {"phones": "13800000000"},
            "未知的占位符:{mobile}",
        ),
        (
            ChannelKind.SMS,
            "https://sms.example.com/send",
            {"phones": "1", "body_template": '{"a":"{phone}","b":"{sig}"}'},
            "未知的占位符:{sig}",
        ),
    ],
)
def test_bad_channel_settings_are_refused_with_the_reason(settings, kind, url, extra, message):
    settings.PORTAL_BASE_URL = "http://dbb.example.gov.cn"
    settings.ALLOWED_HOSTS = ["dbb.example.gov.cn", "127.0.0.1"]
    channel = Channel(name="坏渠道", kind=kind, unit=make_unit(), url=url, **extra)
    with pytest.raises(ValidationError) as error:
        channel.full_clean()
    assert message in " ".join(error.value.messages)


def test_channel_needs_exactly_one_owner(fake):
    channel = Channel(name="无主", kind=ChannelKind.WECOM, url=f"{fake.url}/x")
    with pytest.raises(ValidationError, match="单位或用户"):
        channel.full_clean()


def test_publishing_a_real_plan_reaches_the_units_robot_and_users_channel(
    fake, imported_plans, office_user
):
    plan = imported_plans[XIANGXI]
    unit = plan.tasks.filter(task_units__role=UnitRole.LEAD).first().lead_units[0]
    user = make_user(units=[unit])
    _channel(unit, ChannelKind.WECOM, f"{fake.url}/cgi-bin/webhook/send?key=u")
    Channel.objects.create(
        name="个人", kind=ChannelKind.WEBHOOK, user=user, url=f"{fake.url}/me", secret="k"
    )
    plan_publish(plan=plan, user=office_user)
    assert deliveries_send() == {"sent": 2, "failed": 0}
    assert all(plan.title in r["body"].decode() for r in fake.requests)


def test_office_sees_deliveries_with_their_answers(fake, office_user, client):
    unit = make_unit()
    _channel(unit, ChannelKind.WEBHOOK, f"{fake.url}/hook", secret="k")
    fake.answers = [(500, "gateway busy")]
    _announce(unit)
    deliveries_send()
    client.force_login(office_user)
    page = client.get("/admin/notifications/delivery/").content.decode()
    assert "待发送" in page and "500" in page

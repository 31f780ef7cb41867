"""Outbound channels: payload shapes, signatures, URL checks and the send loop.

- generic webhook: JSON body, `X-Reform-Signature: sha256=<hex HMAC of the body>` with the
  channel's secret, `X-Reform-Timestamp`, and `X-Reform-Delivery` (the idempotency key: a
  receiver that saw it already can ignore a retry);
- 企业微信 group robot: `{"msgtype": "markdown", "markdown": {"content": …}}`, answered
  with `{"errcode": 0}`;
- 钉钉 / 政务钉钉 group robot: `{"msgtype": "markdown", "markdown": {"title", "text"}}`,
  with the robot's 加签 (`timestamp` and `sign` query parameters) when a secret is set;
- SMS through an HTTP gateway: the office fills in a URL and optional body template with
  placeholders {phone} {text} {timestamp} {nonce} {signature}
  (signature = hex HMAC-SHA256 of timestamp+phone+text with the secret).

Sends are retried with backoff (1, 5, 30 minutes, 2 and 6 hours), each answer is logged
on the delivery, and one failing channel never stops the others.
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from tasks.events import EventKind

from .models import Channel, ChannelKind, Delivery, DeliveryStatus

SMS_PLACEHOLDERS = {"phone", "text", "timestamp", "nonce", "signature"}
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 10
RESPONSE_KEPT = 1000
LOCAL_NAMES = {"localhost", "localhost.localdomain"}


PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _placeholders(template: str) -> set[str]:
    """{name} markers; JSON's own braces ({"a": …}) are not placeholders."""
    return set(PLACEHOLDER.findall(template))


def _fill(template: str, values: dict) -> str:
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def _own_origin() -> tuple[str, int]:
    own = urllib.parse.urlsplit(settings.PORTAL_BASE_URL)
    return (own.hostname or "").lower(), own.port or (443 if own.scheme == "https" else 80)


def _is_loopback(host: str) -> bool:
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def url_error(url: str) -> str | None:
    """Why `url` may not be a channel's address, or None.

    Only http(s); never this server itself (its PORTAL_BASE_URL origin, or a loopback
    address on the same port), so a channel cannot be turned against the tracker.
    Other hosts on 127.0.0.1 stay allowed: an intranet gateway may run beside it.
    """
    sample = url.replace("{", "").replace("}", "")
    parts = urllib.parse.urlsplit(sample)
    if parts.scheme not in ("http", "https"):
        return f"地址须以 http:// 或 https:// 开头:{url[:100]}"
    host = (parts.hostname or "").lower()
    if not host:
        return f"地址缺少主机名:{url[:100]}"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return f"端口号无效:{url[:100]}"
    own_host, own_port = _own_origin()
    allowed = {name.lower() for name in settings.ALLOWED_HOSTS if name not in ("*",)}
    same_port = port == own_port
    if same_port and (host == own_host or host in allowed or _is_loopback(host)):
        return f"地址不能指向本系统自身:{url[:100]}"
    return None


def channel_errors(channel: Channel) -> dict[str, str]:
    errors = {}
    problem = url_error(channel.url or "")
    if problem:
        errors["url"] = problem
    if channel.kind == ChannelKind.SMS:
        for field in ("url", "body_template"):
            unknown = _placeholders(getattr(channel, field)) - SMS_PLACEHOLDERS
            if unknown:
                errors[field] = (
                    "未知的占位符:"
                    + "、".join("{" + name + "}" for name in sorted(unknown))
                    + ";可用:{phone} {text} {timestamp} {nonce} {signature}"
                )
        if not channel.phones.strip():
            errors["phones"] = "短信网关须填写接收号码"
    elif _placeholders(channel.url):
        errors["url"] = "只有短信网关的地址可以含占位符"
    if channel.kind == ChannelKind.WEBHOOK and not channel.secret:
        errors["secret"] = "通用 Webhook 须设置签名密钥"
    if (channel.unit_id is None) == (channel.user_id is None):
        errors["unit"] = "请选择单位或用户(二选一)"
    return errors


# --- queueing ----------------------------------------------------------------------------


def deliveries_queue(*, event_id: str, kind, title, body, url, unit_ids, user_ids) -> int:
    """Queue the event for the active channels of its units and of its recipients.

    Keyed by (channel, event id[, phone]): announcing the same event twice queues nothing new.
    """
    channels = Channel.objects.filter(is_active=True).filter(
        models_q(unit_ids=unit_ids, user_ids=user_ids)
    )
    rows = []
    for channel in channels:
        phones = [p.strip() for p in channel.phones.split(",") if p.strip()]
        targets = phones if channel.kind == ChannelKind.SMS else [""]
        for phone in targets:
            rows.append(
                Delivery(
                    channel=channel,
                    key=f"{event_id}:{phone}" if phone else event_id,
                    kind=kind,
                    title=title,
                    body=body,
                    url=url,
                    phone=phone,
                )
            )
    return len(Delivery.objects.bulk_create(rows, ignore_conflicts=True))


def delivery_queue_to_channel(
    *, channel: Channel, key: str, kind, title: str, body: str = "", url: str = "", phone=""
) -> bool:
    """Queue one message for one chosen channel (e.g. a 分管领导's copy of a 催办), keyed by
    `key`: queueing the same key again adds nothing. An SMS gateway sends to `phone`
    when given, else to the channel's own numbers. False when the channel is inactive or
    the key was queued before."""
    if not channel.is_active:
        return False
    if channel.kind == ChannelKind.SMS:
        phones = [phone] if phone else [p.strip() for p in channel.phones.split(",") if p.strip()]
    else:
        phones = [""]
    rows = [
        Delivery(
            channel=channel,
            key=f"{key}:{number}" if number else key,
            kind=kind,
            title=title[:300],
            body=body,
            url=url,
            phone=number,
        )
        for number in phones
    ]
    queued_before = Delivery.objects.filter(
        channel=channel, key__in=[row.key for row in rows]
    ).count()
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return queued_before < len(rows)


def models_q(*, unit_ids, user_ids):
    from django.db.models import Q

    return Q(unit_id__in=list(unit_ids)) | Q(user_id__in=list(user_ids))


def new_event_id() -> str:
    return uuid.uuid4().hex


# --- payloads ----------------------------------------------------------------------------


def _absolute(url: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{url}" if url.startswith("/") else url


def _text(delivery: Delivery) -> str:
    kind = EventKind(delivery.kind).label if delivery.kind in EventKind.values else delivery.kind
    parts = [f"【{kind}】{delivery.title}"]
    if delivery.body:
        parts.append(delivery.body)
    if delivery.url:
        parts.append(_absolute(delivery.url))
    return "\n".join(parts)


def _markdown(delivery: Delivery) -> str:
    lines = [f"**{delivery.title}**"]
    if delivery.body:
        lines.append(f"> {delivery.body}")
    if delivery.url:
        lines.append(f"[查看详情]({_absolute(delivery.url)})")
    return "\n\n".join(lines)


def build_request(delivery: Delivery, *, now: float | None = None) -> urllib.request.Request:
    """The HTTP request for one delivery, in its channel's shape (signed at send time)."""
    channel = delivery.channel
    now = time.time() if now is None else now
    headers = {"Content-Type": "application/json; charset=utf-8"}
    url = channel.url
    if channel.kind == ChannelKind.WEBHOOK:
        payload = {
            "id": delivery.key,
            "kind": delivery.kind,
            "title": delivery.title,
            "body": delivery.body,
            "url": _absolute(delivery.url) if delivery.url else "",
            "created_at": delivery.created_at.isoformat(),
        }
        data = json.dumps(payload, ensure_ascii=False).encode()
        signature = hmac.new(channel.secret.encode(), data, hashlib.sha256).hexdigest()
        headers |= {
            "X-Reform-Signature": f"sha256={signature}",
            "X-Reform-Timestamp": str(int(now)),
            "X-Reform-Delivery": delivery.key,
        }
    elif channel.kind == ChannelKind.WECOM:
        payload = {"msgtype": "markdown", "markdown": {"content": _markdown(delivery)}}
        data = json.dumps(payload, ensure_ascii=False).encode()
    elif channel.kind == ChannelKind.DINGTALK:
        payload = {
            "msgtype": "markdown",
            "markdown": {"title": delivery.title[:60], "text": _markdown(delivery)},
        }
        data = json.dumps(payload, ensure_ascii=False).encode()
        if channel.secret:
            stamp = str(int(now * 1000))
            digest = hmac.new(
                channel.secret.encode(), f"{stamp}\n{channel.secret}".encode(), hashlib.sha256
            ).digest()
            sign = urllib.parse.quote_plus(base64.b64encode(digest))
            url += ("&" if "?" in url else "?") + f"timestamp={stamp}&sign={sign}"
    else:  # SMS gateway template
        text = _text(delivery)
        stamp = str(int(now))
        values = {
            "phone": delivery.phone,
            "text": text,
            "timestamp": stamp,
            "nonce": hashlib.sha256(delivery.key.encode()).hexdigest()[:16],
            "signature": hmac.new(
                channel.secret.encode(), f"{stamp}{delivery.phone}{text}".encode(), hashlib.sha256
            ).hexdigest(),
        }
        url = _fill(url, {k: urllib.parse.quote(v) for k, v in values.items()})
        if channel.body_template:
            escaped = {k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in values.items()}
            data = _fill(channel.body_template, escaped).encode()
        else:
            data = None
    return urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")


def _succeeded(channel: Channel, status: int, text: str) -> bool:
    if not 200 <= status < 300:
        return False
    if channel.kind in (ChannelKind.WECOM, ChannelKind.DINGTALK):
        try:
            return json.loads(text).get("errcode") == 0
        except (ValueError, AttributeError):
            return False
    return True


# --- sending -----------------------------------------------------------------------------


def _claim(delivery: Delivery) -> bool:
    """Take the delivery for this run; another worker that claimed it first wins."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1
        )
    )


def delivery_send(delivery: Delivery) -> bool:
    """Send one claimed delivery and record the answer; True when the receiver accepted it."""
    delivery.refresh_from_db()
    status, text = None, ""
    try:
        problem = url_error(delivery.channel.url)
        if problem:
            raise ValueError(problem)
        request = build_request(delivery)
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) checked
            status, text = (
                response.status,
                response.read(RESPONSE_KEPT * 4).decode(errors="replace"),
            )
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read(RESPONSE_KEPT * 4).decode(errors="replace")
    except Exception as exc:  # noqa: BLE001 - a network error is an answer to log, then retry
        text = f"{type(exc).__name__}: {exc}"
    ok = status is not None and _succeeded(delivery.channel, status, text)
    now = timezone.now()
    delivery.last_status_code = status
    delivery.last_response = text[:RESPONSE_KEPT]
    if ok:
        delivery.status, delivery.sent_at = DeliveryStatus.SENT, now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
    delivery.save(
        update_fields=["status", "sent_at", "last_status_code", "last_response", "next_attempt_at"]
    )
    return ok


def deliveries_send(*, now=None) -> dict:
    """Send every pending delivery that is due; returns counts of sent and failed attempts."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).select_related("channel")
    result = {"sent": 0, "failed": 0}
    for delivery in due.order_by("next_attempt_at", "pk"):
        if not _claim(delivery):
            continue
        result["sent" if delivery_send(delivery) else "failed"] += 1
    return result

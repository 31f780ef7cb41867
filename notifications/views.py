"""The inbox page: a user's messages, newest first, filtered by kind and read state."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tasks.events import EventKind

from .models import Notification
from .services import notifications_mark_read

PAGE_SIZE = 30


@login_required
def inbox(request):
    kind = request.GET.get("kind", "")
    if kind and kind not in EventKind.values:
        return HttpResponseBadRequest(f"未知的消息类别:{kind[:50]}")
    only_unread = request.GET.get("unread") == "1"
    notes = Notification.objects.for_user(request.user)
    if kind:
        notes = notes.filter(kind=kind)
    if only_unread:
        notes = notes.unread()
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "kinds": EventKind.choices,
        "kind": kind,
        "only_unread": only_unread,
    }
    return render(request, "notifications/inbox.html", context)


@login_required
def open_notification(request, pk):
    """Following a message marks it read and goes to its object."""
    note = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts=None):
        return redirect(note.url)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_read(request):
    """Mark the chosen messages (or all, without `id`) read."""
    ids = request.POST.getlist("id")
    if any(not value.isdigit() for value in ids):
        return HttpResponseBadRequest("消息编号须为数字")
    count = notifications_mark_read(user=request.user, ids=[int(v) for v in ids] or None)
    messages.success(request, f"已将 {count} 条消息标为已读")
    return redirect("notifications:inbox")

"""The bell: the signed-in user's unread count on every page (one query, only when shown)."""

from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread(request):
    user = getattr(request, "user", None)
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.for_user(user).unread().count() if user else 0
        )
    }

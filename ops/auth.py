"""Login lockout (django-axes) wired for this project's deployment."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings


class LoginLockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check for logins that come with an HTTP request.

    Authentication without a request (management commands, the test client's
    login()) has no client to lock out, so it is passed on to the next backend
    instead of raising as the stock backend does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str:
    """The client's address; behind nginx, the X-Real-IP header nginx sets.

    The header is only trusted when DJANGO_BEHIND_PROXY is on, since a client talking
    to gunicorn directly could forge it.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_REAL_IP", "").strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")

"""Login lockout (django-axes) wired for this project's deployment."""

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum


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


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits instead of one.

    `AXES_LOCKOUT_PARAMETERS` is `[["username", "ip_address"], "ip_address"]`: a user name
    is locked on one address after `AXES_FAILURE_LIMIT` failures (a victim on another
    address can still log in), and an address is locked for every name after
    `LOGIN_IP_FAILURE_LIMIT` failures in total (password spraying: a few tries on each
    of many names). Axes compares every rule with the same limit, hence this class.
    """

    def get_failures(self, request, credentials=None) -> int:
        attempts = self.get_user_attempts(request, credentials)
        if len(attempts) != 2:  # another AXES_LOCKOUT_PARAMETERS: axes' own rule
            return super().get_failures(request, credentials)
        per_name, per_address = (
            group.aggregate(total=Sum("failures_since_start"))["total"] or 0 for group in attempts
        )
        if per_address >= settings.LOGIN_IP_FAILURE_LIMIT:
            return max(per_name, get_failure_limit(request, credentials))
        return per_name

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful login clears that name's failures on that address only.

        Axes would delete every failure from the address, so an attacker holding one
        account could wipe the per-address count by logging in between sprays.
        """
        attempts = self.filter_user_attempts(request, credentials)
        if len(attempts) != 2:
            return super().reset_user_attempts(request, credentials)
        count, _ = attempts[0].delete()
        return count

"""Throttles for anonymous callers and token-holding systems; browsers are not throttled."""

from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class LiveRateMixin:
    """Read the rate from the current settings (tests lower or raise it with override)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonymousRateThrottle(LiveRateMixin, AnonRateThrottle):
    pass


class TokenRateThrottle(LiveRateMixin, SimpleRateThrottle):
    """Per-token limit for other systems (督查平台, 12345): `token` rate in settings."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, Token):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.user_id}

"""Token authentication that refuses malformed keys before they reach the database."""

import re

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

# DRF keys are 40 hex digits; anything else (a NUL byte, which PostgreSQL rejects with
# an error rather than "no match") cannot be a token.
TOKEN_KEY = re.compile(r"^[0-9a-fA-F]{40}$")


class StrictTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        if not TOKEN_KEY.match(key):
            raise exceptions.AuthenticationFailed("令牌无效")
        return super().authenticate_credentials(key)

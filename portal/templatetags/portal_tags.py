"""Template tags of the portal pages."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def login_lockout_notice() -> str:
    """The lockout rule in words, shown after a failed login so that it comes as no surprise."""
    limit = settings.AXES_FAILURE_LIMIT
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return f"连续输错 {limit} 次将暂停登录 {minutes} 分钟。"

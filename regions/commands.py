"""Helpers for management commands that take a government (`--region`)."""

from django.core.management.base import CommandError

from .models import Region


def region_ids_option(text: str) -> list[int] | None:
    """Ids of the government named by a `--region` option and those below it; None (every
    government) when the option is empty. An unknown code or name is a CommandError."""
    if not text:
        return None
    region = Region.objects.find(text)
    if region is None:
        raise CommandError(f"未知的行政区划:“{text}”(请填写六位区划代码或名称)")
    return Region.objects.subtree_ids(region)

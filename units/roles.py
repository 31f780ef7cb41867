"""Who a signed-in person is: office staff (优化办), a leader (领导) or a unit user.

Groups are created by a data migration; code refers to them only through these
names and helpers so that "who may see what" has one definition.
"""

OFFICE_GROUP = "优化办"
LEADER_GROUP = "领导"


def _in_group(user, name: str) -> bool:
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_group_names_cache", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._group_names_cache = cache
    return name in cache


def is_office(user) -> bool:
    return user.is_authenticated and (user.is_superuser or _in_group(user, OFFICE_GROUP))


def is_leader(user) -> bool:
    return _in_group(user, LEADER_GROUP)


def sees_all_tasks(user) -> bool:
    """Office staff and leaders read every task; unit users only their units' tasks."""
    return is_office(user) or is_leader(user)


def government_of(user):
    """The region an office user or leader works for (`UserGovernment`), or None.

    None means every government: a system-wide office, as before regions existed.
    Cached on the user object like the group names.
    """
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_government_cache"):
        from .models import UserGovernment

        government = UserGovernment.objects.filter(user=user).select_related("region").first()
        user._government_cache = government.region if government else None
    return user._government_cache


def government_region_ids(user) -> list[int] | None:
    """Ids of the regions an office user or leader governs: their government and all below.

    None when they govern everything (no government). Unit users are scoped by their
    units instead; this is only read for office staff and leaders.
    """
    region = government_of(user)
    if region is None:
        return None
    if not hasattr(user, "_government_region_ids_cache"):
        from regions.models import Region

        user._government_region_ids_cache = Region.objects.subtree_ids(region)
    return user._government_region_ids_cache


def is_governed(user) -> bool:
    """An office user or leader limited to one government's region (`UserGovernment`)."""
    return sees_all_tasks(user) and government_of(user) is not None

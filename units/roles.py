"""Who a signed-in person is: office staff (优化办), a leader (领导) or a unit user.

Groups are created by a data migration; code refers to them only through these
names and helpers so that "who may see what" has one definition.
"""

OFFICE_GROUP = "优化办"
LEADER_GROUP = "领导"


def _load_roles(user) -> None:
    """The user's group names and government (region id) in one query, cached on the user:
    every page asks "office or leader?" and "which government?" several times."""
    from django.contrib.auth import get_user_model

    rows = list(
        get_user_model()
        ._default_manager.filter(pk=user.pk)
        .values_list("groups__name", "government__region_id")
    )
    user._group_names_cache = {name for name, _ in rows if name}
    user._government_region_id = next((region_id for _, region_id in rows if region_id), None)


def _in_group(user, name: str) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "_group_names_cache", None) is None:
        _load_roles(user)
    return name in user._group_names_cache


def is_office(user) -> bool:
    return user.is_authenticated and (user.is_superuser or _in_group(user, OFFICE_GROUP))


def is_leader(user) -> bool:
    return _in_group(user, LEADER_GROUP)


def sees_all_tasks(user) -> bool:
    """Office staff and leaders read every task; unit users only their units' tasks."""
    return is_office(user) or is_leader(user)


def _government_region_id(user):
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_government_region_id"):
        _load_roles(user)
    return user._government_region_id


def government_of(user):
    """The region an office user or leader works for (`UserGovernment`), or None.

    None means every government: a system-wide office, as before regions existed.
    """
    region_id = _government_region_id(user)
    if region_id is None:
        return None
    if getattr(user, "_government_cache", None) is None:
        from regions.models import Region

        user._government_cache = Region.objects.select_related("parent__parent").get(pk=region_id)
    return user._government_cache


def government_region_ids(user) -> list[int] | None:
    """Ids of the regions an office user or leader governs: their government and all below.

    None when they govern everything (no government). Unit users are scoped by their
    units instead; this is only read for office staff and leaders.
    """
    region_id = _government_region_id(user)
    if region_id is None:
        return None
    if not hasattr(user, "_government_region_ids_cache"):
        from regions.models import Region

        user._government_region_ids_cache = Region.objects.subtree_ids(Region(pk=region_id))
    return user._government_region_ids_cache


def is_governed(user) -> bool:
    """An office user or leader limited to one government's region (`UserGovernment`)."""
    return sees_all_tasks(user) and government_of(user) is not None

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

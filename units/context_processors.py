"""Template context: the signed-in person's role, for the site navigation."""

from django.utils.functional import SimpleLazyObject

from .roles import sees_all_tasks


def roles(request):
    """`sees_all_tasks` is lazy: pages that never show the navigation pay no query."""
    return {"sees_all_tasks": SimpleLazyObject(lambda: sees_all_tasks(request.user))}

"""Region-scoped admin pages: a governed office (`UserGovernment`) works on its governments only.

Every changelist, change view, delete and action of the scoped admins starts from the
queryset methods that decide who sees what (`Task.objects.visible_to`, `Plan.objects.
managed_by`, `Unit.objects.managed_by`), so another region's row is not found (the
admin's "doesn't exist" redirect, a 404 on history pages) and never appears in a list,
a chooser or an autocomplete.
"""

from django.contrib.admin.utils import unquote
from django.http import Http404

from .roles import government_region_ids


def _scope_by_model(model, user):
    """The rows of `model` (Task, Plan or Unit) `user` may pick or open, or None if unscoped."""
    model = model._meta.concrete_model  # PublishablePlan is a Plan
    label = model._meta.label
    if label == "tasks.Task":
        return model.objects.visible_to(user)
    if label in {"tasks.Plan", "units.Unit"}:
        return model.objects.managed_by(user)
    return None


class GovernmentScopedChoicesMixin:
    """Foreign-key and many-to-many choosers for tasks, plans and units offer only the
    rows of the user's governments (for inlines, whose rows follow their parent)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if government_region_ids(request.user) is not None and "queryset" not in kwargs:
            scoped = _scope_by_model(db_field.related_model, request.user)
            if scoped is not None:
                kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if government_region_ids(request.user) is not None and "queryset" not in kwargs:
            scoped = _scope_by_model(db_field.related_model, request.user)
            if scoped is not None:
                kwargs["queryset"] = scoped
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class GovernmentScopedAdminMixin(GovernmentScopedChoicesMixin):
    """Limit an admin to the rows of the user's governments, choosers included.

    `government_scope` names the path to the row's task, plan or unit ("task", "plan",
    "unit", "task__plan"…), or "" for Task, Plan and Unit themselves.
    """

    government_scope = ""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if government_region_ids(request.user) is None:
            return queryset
        return scope_queryset(queryset, self.government_scope, request.user)

    def _check_in_scope(self, request, object_id):
        # The history pages (django-simple-history's included) read the history table,
        # not get_queryset(): check the row itself first.
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404("没有这条记录,或不属于您所在政府的范围")

    def history_view(self, request, object_id, extra_context=None):
        if government_region_ids(request.user) is not None:
            self._check_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if government_region_ids(request.user) is not None:
            self._check_in_scope(request, object_id)
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )


def scope_queryset(queryset, path: str, user):
    """`queryset` limited to rows whose `path` (a task, plan or unit; "" for the row
    itself) `user` may see."""
    model = queryset.model
    for part in path.split("__") if path else ():
        model = model._meta.get_field(part).related_model
    scoped = _scope_by_model(model, user)
    return queryset.filter(**{f"{path or 'pk'}__in": scoped.values("pk")})

"""The API's filter backend: a misspelt query parameter is a 400, not a silent no-op.

Another system that sends `?lead_units=7` (for `lead_unit`) or `?overdue_on=` would
otherwise get every task back and take it for the filtered list.
"""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

# Read by pagination and content negotiation rather than by a FilterSet.
LIST_PARAMS = frozenset({"page", "page_size", "format"})


def reject_unknown_params(params, known) -> None:
    """Raise a 400 naming each query parameter that is not in `known`."""
    unknown = sorted(set(params) - set(known))
    if unknown:
        allowed = "、".join(sorted(known))
        raise ValidationError(
            {name: [f"不支持的查询参数 {name}(可用参数:{allowed})"] for name in unknown}
        )


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            known = LIST_PARAMS | set(filterset_class.base_filters)
            reject_unknown_params(request.query_params, known)
        return super().filter_queryset(request, queryset, view)

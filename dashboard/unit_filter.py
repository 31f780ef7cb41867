"""The dashboard's lead-unit filter (牵头单位): a typed name or number, and suggestions.

A province has about 8,000 units: a `<select>` of them all made a third of the page's
HTML and a query over every unit link on each render. The page now has a text field;
`static/dashboard/unit-filter.js` fills its `<datalist>` from `unit_suggestions` while
the user types, and without the script a typed name or number still filters. The task
filter (`TaskFilterSet.lead_unit`, shared with the API) keeps taking an id: the name is
turned into one here, before it.
"""

from dataclasses import dataclass

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

from tasks.filtersets import SEARCH_MAX_LENGTH
from tasks.models import Task, TaskUnit
from units.models import Unit, UnitAlias

from .figures import DashboardQueryError

SUGGESTIONS = 20
# Ids above this are left to TaskFilterSet, which answers them with its own message.
_LARGEST_ID = 2**63 - 1
_EXAMPLE = "如“湘潭市 · 市行政审批局”"


def nameable_units(user):
    """Units `user` may name in the filter and see suggested: those of its governments
    (`Unit.objects.managed_by`), and every unit that leads or was handed one of its
    visible tasks: a city office's 红黑榜 also counts the province bureaus whose tasks
    were handed down to it, so it may type their names too."""
    on_visible_tasks = TaskUnit.objects.accountable().filter(
        unit_id=OuterRef("pk"), task__in=Task.objects.visible_to(user)
    )
    return Unit.objects.managed_by(user) | Unit.objects.filter(Exists(on_visible_tasks))


@dataclass(frozen=True)
class LeadUnit:
    """The unit the filter names: its id (for TaskFilterSet) and what the field shows."""

    pk: int
    label: str


def lead_unit_choice(text: str, *, units) -> LeadUnit | None:
    """The unit a typed (stripped) lead-unit filter means, looked up among `units` (the viewer's,
    `nameable_units`); None for a number out of any id's range (the filterset
    refuses it). Raises DashboardQueryError, in words, for no unit or several.

    A number is an id (the 红黑榜's links carry ids): any existing unit may be filtered
    by it, as before, but only `units` show their name; another government's unit
    shows its number, so a number never reveals a name the viewer could not list.
    """
    if text.isdigit():
        pk = int(text)
        if pk > _LARGEST_ID:
            return None
        unit = units.filter(pk=pk).first()
        if unit is not None:
            return LeadUnit(unit.pk, unit.full_name)
        if Unit.objects.filter(pk=pk).exists():
            return LeadUnit(pk, text)
        raise DashboardQueryError(f"牵头单位:没有编号为 {text} 的单位")
    matches = list(units.named(text).order_by("region__code", "pk")[:4])
    if not matches:
        raise DashboardQueryError(
            f"牵头单位:找不到“{text}”。请输入单位的名称或全称({_EXAMPLE}),或在输入时从提示中选择"
        )
    if len(matches) > 1:
        names = "、".join(unit.full_name for unit in matches[:3])
        more = "等" if len(matches) > 3 else ""
        raise DashboardQueryError(
            f"牵头单位:“{text}”有多个同名单位({names}{more}),请输入带政府名称的全称({_EXAMPLE})"
        )
    return LeadUnit(matches[0].pk, matches[0].full_name)


def typed_lead_unit(params, *, units):
    """(`params` with the typed `lead_unit` replaced by its unit's id, that unit or None).

    A blank field is no filter. `units`: see `lead_unit_choice`."""
    text = (params.get("lead_unit") or "").strip()
    if not text:
        if "lead_unit" in params:
            params = params.copy()
            params.pop("lead_unit")
        return params, None
    lead_unit = lead_unit_choice(text, units=units)
    if lead_unit is not None:
        params = params.copy()
        params["lead_unit"] = str(lead_unit.pk)
    return params, lead_unit


def unit_suggestions(text: str, *, units, limit: int = SUGGESTIONS) -> list[dict]:
    """Up to `limit` of `units` whose name or alias contains `text`, names that start
    with it first: [{"id", "name" (full name)}]. Only units that lead or were handed a
    task (`TaskUnit.objects.accountable()`), as the 红黑榜 counts. One query."""
    text = text.replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
    if not text:
        return []
    aliased = UnitAlias.objects.filter(name__icontains=text).values("unit_id")
    rows = (
        units.filter(Q(name__icontains=text) | Q(pk__in=aliased))
        .filter(Exists(TaskUnit.objects.accountable().filter(unit_id=OuterRef("pk"))))
        .annotate(
            rank=Case(
                When(name=text, then=Value(0)),
                When(name__startswith=text, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "name", "region__code", "pk")[:limit]
    )
    return [{"id": unit.pk, "name": unit.full_name} for unit in rows]

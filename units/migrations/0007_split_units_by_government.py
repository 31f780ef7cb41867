"""Upgrade: give plans their governments and split units merged across governments.

Before regions, units were deduplicated by name across plans, so 襄阳's 市行政审批局
and 湘潭's were one row. This migration

1. reads each plan's issuing government from its 文号, issuer and title (the same
   pure code the importer uses), for plans that have none;
2. gives each unit the government its name means in the plans that name it
   (市行政审批局 in the 襄阳 plan → 襄阳市); a unit meaning different governments in
   different plans is split: the row keeps the government with most assignments, and
   each other government gets its own unit, to which the assignments (TaskUnit),
   progress reports, extension requests, acknowledgements (签收) and notices (督办单)
   of that government's plans move;
3. adds each member of a split unit to every part, flagged "待核对" for the office.

Each part gets the merged unit's aliases (aliases are per government). Rows not tied to a
plan stay on the original row: published 考评 scores (computed for the merged unit, kept
as published) and reminder logs. Plans whose government cannot be read keep their units
as they were. Nothing is deleted.
"""

from collections import Counter, defaultdict

from django.db import migrations

from tasks.importer.government import KnownRegion, RegionIndex, detect_government, unit_government


def _region_index(Region):
    regions = {}
    for region in Region.objects.select_related("parent"):
        regions[region.pk] = KnownRegion(
            code=f"#{region.pk}",
            name=region.name,
            short_name=region.short_name,
            abbreviation=region.abbreviation,
            level=region.level,
            parent_code=f"#{region.parent_id}" if region.parent_id else "",
        )
    return RegionIndex(regions.values())


def _pk(known: KnownRegion) -> int:
    return int(known.code[1:])


def split_units(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    Plan = apps.get_model("tasks", "Plan")
    Unit = apps.get_model("units", "Unit")
    TaskUnit = apps.get_model("tasks", "TaskUnit")
    ProgressReport = apps.get_model("tasks", "ProgressReport")
    DeadlineExtension = apps.get_model("deadlines", "DeadlineExtension")
    TaskAcknowledgement = apps.get_model("supervision", "TaskAcknowledgement")
    EscalationNotice = apps.get_model("supervision", "EscalationNotice")
    UnitMembership = apps.get_model("units", "UnitMembership")
    UnitAlias = apps.get_model("units", "UnitAlias")

    index = _region_index(Region)
    if not index.regions:
        return

    for plan in Plan.objects.filter(region__isnull=True):
        guess = detect_government(
            doc_number=plan.doc_number, issuer=plan.issuer, title=plan.title, regions=index
        )
        if guess.code:
            plan.region_id = _pk(index.by_code[guess.code])
            plan.save(update_fields=["region"])

    plan_regions = dict(Plan.objects.filter(region__isnull=False).values_list("pk", "region_id"))
    links_by_unit = defaultdict(list)
    for unit_id, plan_id in TaskUnit.objects.filter(unit__region__isnull=True).values_list(
        "unit_id", "task__plan_id"
    ):
        links_by_unit[unit_id].append(plan_id)

    for unit in Unit.objects.filter(region__isnull=True, pk__in=links_by_unit):
        # government pk -> plans naming the unit there, and how many assignments.
        plans_of = defaultdict(set)
        weight = Counter()
        for plan_id in links_by_unit[unit.pk]:
            plan_region = plan_regions.get(plan_id)
            if plan_region is None:
                continue
            government = _pk(unit_government(unit.name, index.by_code[f"#{plan_region}"], index))
            plans_of[government].add(plan_id)
            weight[government] += 1
        if not plans_of:
            continue
        governments = sorted(plans_of, key=lambda g: (-weight[g], g))
        unit.region_id = governments[0]
        unit.save(update_fields=["region"])
        members = list(UnitMembership.objects.filter(unit=unit))
        aliases = list(UnitAlias.objects.filter(unit=unit).values_list("name", flat=True))
        for government in governments[1:]:
            part, _ = Unit.objects.get_or_create(
                name=unit.name,
                region_id=government,
                defaults={"is_collective": unit.is_collective},
            )
            plans = plans_of[government]
            TaskUnit.objects.filter(unit=unit, task__plan_id__in=plans).update(unit=part)
            ProgressReport.objects.filter(unit=unit, task__plan_id__in=plans).update(unit=part)
            DeadlineExtension.objects.filter(unit=unit, deadline__task__plan_id__in=plans).update(
                unit=part
            )
            TaskAcknowledgement.objects.filter(unit=unit, task__plan_id__in=plans).update(unit=part)
            EscalationNotice.objects.filter(unit=unit, task__plan_id__in=plans).update(unit=part)
            for alias in aliases:
                if not UnitAlias.objects.filter(name=alias, unit__region_id=government).exists():
                    UnitAlias.objects.create(name=alias, unit=part)
            for member in members:
                UnitMembership.objects.update_or_create(
                    user_id=member.user_id,
                    unit=part,
                    defaults={"phone": member.phone, "needs_review": True},
                )
        if len(governments) > 1:
            UnitMembership.objects.filter(unit=unit).update(needs_review=True)


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0006_membership_review_alias_per_government"),
        ("regions", "0002_shipped_regions_and_permissions"),
        ("tasks", "0004_plan_region"),
        ("deadlines", "0002_deadline_due_on_index"),
        ("supervision", "0002_role_group_permissions"),
        ("portal", "0001_reminderlog"),
    ]

    operations = [migrations.RunPython(split_units, migrations.RunPython.noop)]

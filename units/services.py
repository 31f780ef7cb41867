"""Writes on units: the alias list."""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from tasks.importer import is_collective_unit_name, normalise_unit_name

from .models import Unit, UnitAlias


@transaction.atomic
def unit_aliases_load(*, path: Path) -> int:
    """Load `unit,alias` rows from a UTF-8 CSV file; returns how many aliases were new.

    The canonical unit is created when missing, so an alias works before any plan
    names the unit. An alias already pointing at another unit is an error, not a move.
    """
    created = 0
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or {"unit", "alias"} - set(reader.fieldnames):
            raise ValidationError(f"{path}: 表头必须包含 unit,alias 两列")
        for line_number, row in enumerate(reader, start=2):
            unit_name = normalise_unit_name(row["unit"] or "")
            alias_name = normalise_unit_name(row["alias"] or "")
            if not unit_name or not alias_name:
                raise ValidationError(f"{path} 第{line_number}行:单位名称和别名都不能为空")
            unit, _ = Unit.objects.get_or_create(
                name=unit_name, defaults={"is_collective": is_collective_unit_name(unit_name)}
            )
            if Unit.objects.filter(name=alias_name).exists():
                raise ValidationError(
                    f"{path} 第{line_number}行:“{alias_name}”已是独立单位,请先在后台合并单位"
                )
            alias, was_created = UnitAlias.objects.get_or_create(
                name=alias_name, defaults={"unit": unit}
            )
            if alias.unit_id != unit.pk:
                raise ValidationError(
                    f"{path} 第{line_number}行:别名“{alias_name}”已属于“{alias.unit}”"
                )
            created += was_created
    return created

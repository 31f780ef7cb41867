"""Writes on regions: loading a province's list of 行政区划 from a CSV file."""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from .choices import LEVEL_DEPTH, level_from_code
from .models import Region

REQUIRED_COLUMNS = {"code", "name", "parent_code"}
CODE_RE = re.compile(r"^\d{6}$")


@dataclass
class RegionLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Row:
    line: int
    code: str
    name: str
    parent_code: str
    short_name: str
    abbreviation: str


def _read_rows(path: Path) -> list[_Row]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = REQUIRED_COLUMNS - set(reader.fieldnames or ())
            if missing:
                raise ValidationError(
                    f"{path}:表头必须包含 code,name,parent_code 三列(缺少 {','.join(sorted(missing))})"
                )
            rows = []
            for line, raw in enumerate(reader, start=2):
                rows.append(
                    _Row(
                        line=line,
                        code=(raw.get("code") or "").strip(),
                        name=(raw.get("name") or "").strip(),
                        parent_code=(raw.get("parent_code") or "").strip(),
                        short_name=(raw.get("short_name") or "").strip(),
                        abbreviation=(raw.get("abbreviation") or "").strip(),
                    )
                )
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}:不是 UTF-8 编码的 CSV 文件") from exc
    except OSError as exc:
        raise ValidationError(f"{path}:无法读取({exc.strerror})") from exc
    return rows


def _check_rows(path: Path, rows: list[_Row]) -> None:
    """Every problem of the file at once, naming the line, before anything is written."""
    errors = []
    in_file = {row.code: row for row in rows}
    known = set(Region.objects.exclude(code=None).values_list("code", flat=True))
    seen = set()
    for row in rows:
        where = f"第{row.line}行"
        if not CODE_RE.match(row.code):
            errors.append(f"{where}:区划代码“{row.code}”不是六位数字")
            continue
        if row.code in seen:
            errors.append(f"{where}:区划代码 {row.code} 重复")
        seen.add(row.code)
        if not row.name:
            errors.append(f"{where}:名称不能为空")
        level = level_from_code(row.code)
        if not row.parent_code:
            if LEVEL_DEPTH[level] != 0:
                errors.append(f"{where}:{row.code} {row.name} 不是省级区划,必须填写上级代码")
            continue
        if row.parent_code not in in_file and row.parent_code not in known:
            errors.append(f"{where}:{row.code} {row.name} 的上级区划 {row.parent_code} 不存在")
            continue
        if row.parent_code == row.code:
            errors.append(f"{where}:{row.code} {row.name} 的上级不能是它自己")
            continue
        parent_level = level_from_code(row.parent_code)
        if LEVEL_DEPTH[parent_level] >= LEVEL_DEPTH[level] or row.parent_code[:2] != row.code[:2]:
            errors.append(
                f"{where}:{row.code} {row.name} 不能属于上级 {row.parent_code}(层级或省份不符)"
            )
    if errors:
        raise ValidationError([f"{path}:{message}" for message in errors])


@transaction.atomic
def regions_load(*, path: Path) -> RegionLoadResult:
    """Create or update regions from a CSV of `code,name,parent_code[,short_name,abbreviation]`.

    Keyed by code, so loading the same list again changes nothing and a corrected
    name is updated in place. The whole file is checked first: a bad row stops the
    load with every error named, and nothing is written.
    """
    rows = _read_rows(Path(path))
    _check_rows(path, rows)
    result = RegionLoadResult()
    by_code = {region.code: region for region in Region.objects.exclude(code=None)}
    for row in sorted(rows, key=lambda r: LEVEL_DEPTH[level_from_code(r.code)]):
        values = {
            "name": row.name,
            "level": level_from_code(row.code),
            "parent": by_code.get(row.parent_code) if row.parent_code else None,
            "short_name": row.short_name,
            "abbreviation": row.abbreviation,
        }
        region = by_code.get(row.code)
        if region is None:
            region = Region(code=row.code, **values)
            region.full_clean()
            region.save()
            by_code[row.code] = region
            result.created += 1
            continue
        changed = [name for name, value in values.items() if getattr(region, name) != value]
        if not changed:
            result.unchanged += 1
            continue
        for name in changed:
            setattr(region, name, values[name])
        region.full_clean()
        region.save()
        result.updated += 1
    return result

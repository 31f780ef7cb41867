"""Writes on units: the alias list, merging units, adding unit users and system accounts."""

import csv
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.crypto import get_random_string
from rest_framework.authtoken.models import Token

from tasks.importer import is_collective_unit_name, normalise_unit_name

from .forms import UnitUserForm
from .models import Unit, UnitAlias, UnitMembership, UserGovernment
from .roles import LEADER_GROUP, OFFICE_GROUP


@transaction.atomic
def unit_aliases_load(*, path: Path, warnings: list[str] | None = None) -> int:
    """Load `unit,alias[,region]` rows from a UTF-8 CSV file; returns how many aliases were new.

    `region` (a region's code or name) is the government of the unit; aliases work
    within it, so 州市场监管局 of 湘西州 never finds another 州's bureau. Without it the
    unit is matched by name alone (units without a government). The canonical unit is
    created when missing, so an alias works before any plan names the unit; a unit
    renamed in the admin is found by its former name. A row that conflicts with the
    database (the alias already belongs to another unit or is a unit itself) is skipped
    with a warning naming the row, appended to `warnings`: the file is shared and may lag
    behind renames, and one stale row must not stop every import. A malformed file
    (header, empty cells, unknown region) is still an error.
    """
    from regions.models import Region

    warnings = [] if warnings is None else warnings
    created = 0
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or {"unit", "alias"} - set(reader.fieldnames):
            raise ValidationError(f"{path}: 表头必须包含 unit,alias 两列(可选 region 列)")
        for line_number, row in enumerate(reader, start=2):
            unit_name = normalise_unit_name(row["unit"] or "")
            alias_name = normalise_unit_name(row["alias"] or "")
            if not unit_name or not alias_name:
                raise ValidationError(f"{path} 第{line_number}行:单位名称和别名都不能为空")
            where = f"{path.name} 第{line_number}行({unit_name},{alias_name})"
            region_text = (row.get("region") or "").strip()
            region = Region.objects.find(region_text) if region_text else None
            if region_text and region is None:
                raise ValidationError(f"{path} 第{line_number}行:区划“{region_text}”不存在")
            unit = _unit_by_current_or_former_name(unit_name, region=region)
            if unit is not None and unit.name != unit_name:
                warnings.append(f"{where}:单位“{unit_name}”已更名为“{unit.name}”,请更新别名文件")
            same_government = Unit.objects.filter(region=region)
            if (
                same_government.filter(name=alias_name)
                .exclude(pk=getattr(unit, "pk", None))
                .exists()
            ):
                warnings.append(
                    f"{where}:“{alias_name}”已是独立单位,本行已忽略(请先在后台合并单位)"
                )
                continue
            existing = (
                UnitAlias.objects.filter(name=alias_name, unit__region=region)
                .select_related("unit")
                .first()
            )
            if existing is not None and (unit is None or existing.unit_id != unit.pk):
                warnings.append(f"{where}:别名“{alias_name}”已属于“{existing.unit}”,本行已忽略")
                continue
            if unit is None:
                unit = Unit.objects.create(
                    name=unit_name,
                    region=region,
                    is_collective=is_collective_unit_name(unit_name),
                )
            if existing is None:
                UnitAlias.objects.create(name=alias_name, unit=unit)
                created += 1
    return created


def _unit_by_current_or_former_name(name: str, *, region=None) -> Unit | None:
    """The unit of `region` called `name`, else the one that was called so before a rename."""
    unit = Unit.objects.filter(name=name, region=region).first()
    if unit is not None:
        return unit
    former = (
        Unit.history.filter(name=name, region=region)
        .order_by("-history_date")
        .values_list("id", flat=True)
        .first()
    )
    return Unit.objects.filter(pk=former).first() if former is not None else None


def _move_other_unit_rows(*, source: Unit, target: Unit, handled: set) -> None:
    """Repoint every other foreign key to `source` (notices, acknowledgements, scores, logs…).

    Found through the model graph so a new app's rows are never left behind or deleted by
    the cascade. A row that would collide with the target's on a unique constraint stops
    the merge with a clear error, unless its model says a duplicate may be dropped
    (`UNIT_MERGE_DROPS_DUPLICATES`, e.g. a log of reminders already sent that day).
    """
    for relation in Unit._meta.related_objects:
        model = relation.related_model
        if relation.many_to_many or model in handled or model is UnitAlias:
            continue
        if model.__name__.startswith("Historical"):
            continue  # history keeps what was true then
        field = relation.field.name
        rows = model._default_manager.filter(**{field: source})
        for constraint in model._meta.constraints:
            others = [name for name in getattr(constraint, "fields", ()) if name != field]
            if field not in getattr(constraint, "fields", ()) or not others:
                continue
            clashing = [
                row.pk
                for row in rows
                if model._default_manager.filter(
                    **{field: target},
                    **{name: getattr(row, model._meta.get_field(name).attname) for name in others},
                ).exists()
            ]
            if not clashing:
                continue
            if getattr(model, "UNIT_MERGE_DROPS_DUPLICATES", False):
                model._default_manager.filter(pk__in=clashing).delete()
            else:
                raise ValidationError(
                    f"两个单位都有同一条“{model._meta.verbose_name}”记录,不能自动合并,"
                    "请先在后台处理后再合并"
                )
        rows.update(**{field: target})


@transaction.atomic
def unit_merge(*, source: Unit, target: Unit, user) -> Unit:
    """Merge `source` into `target`: every assignment, report and user moves; nothing is lost.

    The source's name and aliases become aliases of the target, so re-importing a
    document that still says the old name finds the merged unit. Where both units
    held the same role on a task, the target's link stays (keeping the earlier
    position) and the source's goes; a user in both units keeps one membership.
    """
    # Imported here: tasks and deadlines import units, not the other way round.
    from deadlines.models import DeadlineExtension
    from tasks import rules
    from tasks.models import ProgressReport, TaskUnit

    from .models import UnitLeaderContact, UnitMembership

    if not rules.can_manage(user):
        raise PermissionDenied("只有优化办可以合并单位")
    if source.pk == target.pk:
        raise ValidationError("不能把单位合并到它自己")
    if source.region_id != target.region_id:
        raise ValidationError(
            f"“{source.full_name}”和“{target.full_name}”属于不同的政府,不能合并;"
            "同名单位属于不同政府时是不同的单位"
        )

    target_links = {
        (link.task_id, link.role): link for link in TaskUnit.objects.filter(unit=target)
    }
    for link in TaskUnit.objects.filter(unit=source):
        kept = target_links.get((link.task_id, link.role))
        if kept is None:
            link.unit = target
            link._change_reason = f"合并单位:{source.name}"
            link.save()
            continue
        if link.position < kept.position:
            kept.position = link.position
            kept._change_reason = f"合并单位:{source.name}"
            kept.save()
        link._change_reason = f"合并单位:{source.name}"
        link.delete()

    ProgressReport.objects.filter(unit=source).update(unit=target)
    DeadlineExtension.objects.filter(unit=source).update(unit=target)
    # 分管领导 (one per unit): the kept unit's stays; the merged unit's moves if it has none.
    if UnitLeaderContact.objects.filter(unit=target).exists():
        UnitLeaderContact.objects.filter(unit=source).delete()
    else:
        UnitLeaderContact.objects.filter(unit=source).update(unit=target)
    _move_other_unit_rows(
        source=source, target=target, handled={TaskUnit, UnitMembership, UnitLeaderContact}
    )
    member_ids = set(UnitMembership.objects.filter(unit=target).values_list("user_id", flat=True))
    UnitMembership.objects.filter(unit=source, user_id__in=member_ids).delete()
    UnitMembership.objects.filter(unit=source).update(unit=target)
    UnitAlias.objects.filter(unit=source).update(unit=target)

    source_name = source.name
    source._change_reason = f"并入:{target.name}"
    source.delete()
    UnitAlias.objects.create(unit=target, name=source_name)
    return target


@dataclass
class UnitUserAdded:
    """A unit user added or updated; `password` is set only when one was generated."""

    user: object
    unit: Unit
    created: bool
    password: str = ""


def _generated_password() -> str:
    # No look-alike characters (0/O, 1/l/I): the password is read off a screen or paper.
    return get_random_string(12, "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")


@transaction.atomic
def unit_user_add(
    *,
    username: str,
    unit_name: str,
    password: str | None = None,
    name: str = "",
    phone: str = "",
    email: str = "",
) -> UnitUserAdded:
    """Create a unit user (or add a unit to an existing one) and return what was done.

    A new user without a given password gets a generated one, returned once so the office
    can hand it over; an existing user's password changes only when one is given.
    """
    form = UnitUserForm(
        {"username": username, "unit": unit_name, "name": name, "phone": phone, "email": email}
    )
    if not form.is_valid():
        raise ValidationError({field: errors for field, errors in form.errors.items()})
    data = form.cleaned_data
    User = get_user_model()
    user, created = User.objects.get_or_create(username=data["username"])
    generated = ""
    if password:
        password_validation.validate_password(password, user)
        user.set_password(password)
    elif created:
        generated = _generated_password()
        user.set_password(generated)
    if data["name"]:
        user.first_name = data["name"][:150]
    if data["email"]:
        user.email = data["email"]
    user.save()
    membership, _ = UnitMembership.objects.get_or_create(user=user, unit=data["unit"])
    if data["phone"] and membership.phone != data["phone"]:
        membership.phone = data["phone"]
        membership.save(update_fields=["phone"])
    return UnitUserAdded(user=user, unit=data["unit"], created=created, password=generated)


# Accepted column headings of the unit-user sheet, Chinese or English.
UNIT_USER_COLUMNS = {
    "username": ("用户名", "账号", "username"),
    "name": ("姓名", "name"),
    "unit": ("单位", "所属单位", "unit"),
    "phone": ("电话", "手机", "联系电话", "phone"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail"),
}


def _sheet_rows(file) -> list[tuple[int, dict[str, str]]]:
    # Rows are read inside the try: read_only parses the sheet lazily, and a sheet
    # declaring XML entities (refused by defusedxml) or otherwise broken raises there.
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        try:
            rows = iter(list(workbook.active.iter_rows(values_only=True)))
        finally:
            workbook.close()
    except Exception as exc:  # openpyxl raises several types for a non-xlsx file
        raise ValidationError("文件无法读取:请上传 .xlsx 格式的 Excel 表格") from exc
    header = [str(cell or "").strip().lower() for cell in next(rows, ())]
    columns = {}
    for key, names in UNIT_USER_COLUMNS.items():
        for index, heading in enumerate(header):
            if heading in names:
                columns[key] = index
                break
    missing = [UNIT_USER_COLUMNS[key][0] for key in ("username", "unit") if key not in columns]
    if missing:
        raise ValidationError(
            f"表头缺少:{'、'.join(missing)}(第一行应为 用户名、姓名、单位、电话、邮箱)"
        )
    result = []
    for line, row in enumerate(rows, start=2):
        values = {
            key: str(row[index]).strip() if index < len(row) and row[index] is not None else ""
            for key, index in columns.items()
        }
        if any(values.values()):
            result.append((line, values))
    return result


@transaction.atomic
def unit_users_import(*, file) -> list[UnitUserAdded]:
    """Add the unit users listed in an Excel sheet; all rows or none.

    Every row goes through `UnitUserForm` (the same rules as add_unit_user); errors of
    all rows are reported together, and then nothing is saved.
    """
    rows = _sheet_rows(file)
    if not rows:
        raise ValidationError("表格中没有数据行")
    errors = []
    for line, values in rows:
        form = UnitUserForm(values)
        if not form.is_valid():
            details = ";".join(
                f"{form.fields[f].label}:{' '.join(e)}" for f, e in form.errors.items()
            )
            errors.append(f"第{line}行:{details}")
    if errors:
        raise ValidationError(errors)
    return [
        unit_user_add(
            username=values["username"],
            unit_name=values["unit"],
            name=values.get("name", ""),
            phone=values.get("phone", ""),
            email=values.get("email", ""),
        )
        for _, values in rows
    ]


SYSTEM_ROLES = {"leader": LEADER_GROUP, "office": OFFICE_GROUP}


@transaction.atomic
def system_account_add(*, username: str, role: str, name: str = "") -> str:
    """An account for another system (督查平台, 12345 热线) and its API token; returns the key.

    It signs in with the token only (no password, no admin): `leader` reads every task,
    `office` may also write as the office does. Running it again keeps the same token.
    """
    if role not in SYSTEM_ROLES:
        raise ValidationError(f"角色应为 {' 或 '.join(SYSTEM_ROLES)}:{role}")
    username = (username or "").strip()
    if not username:
        raise ValidationError("请填写系统账号的用户名")
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if not created and (user.is_staff or user.is_superuser or user.has_usable_password()):
        raise ValidationError(f"用户 {username} 是工作人员账号,不能改作系统账号")
    if created:
        user.set_unusable_password()
    if name:
        user.first_name = name[:150]
    user.save()
    user.groups.set([Group.objects.get(name=SYSTEM_ROLES[role])])
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def region_resolve(text: str):
    """The region named by a GB/T 2260 code, a name or a short name, else a clear error."""
    from regions.models import Region

    region = Region.objects.find(text)
    if region is None:
        raise ValidationError(
            f"未知的行政区划:“{text}”(请填写六位区划代码或名称,如 430300 或 湘潭市)"
        )
    return region


@transaction.atomic
def user_government_set(*, user, region_text: str | None):
    """Set the government (region) an office user, leader or system account works for;
    an empty `region_text` removes it (the user then sees every government). Returns it."""
    if not region_text:
        UserGovernment.objects.filter(user=user).delete()
        return None
    region = region_resolve(region_text)
    UserGovernment.objects.update_or_create(user=user, defaults={"region": region})
    return region


OFFICE_ROLES = {"office": OFFICE_GROUP, "leader": LEADER_GROUP}


@dataclass
class OfficeUserAdded:
    user: object
    region: object
    created: bool
    password: str  # generated, shown once; "" when given or unchanged


@transaction.atomic
def office_user_add(
    *,
    username: str,
    role: str,
    region_text: str | None,
    password: str | None = None,
    name: str = "",
) -> OfficeUserAdded:
    """Create or update an office user (优化办) or leader (领导) of a government.

    With `region_text` they see that government and those below it; without, every
    government (a system-wide office). Nothing is written when the region is unknown.
    """
    if role not in OFFICE_ROLES:
        raise ValidationError(f"角色应为 {' 或 '.join(OFFICE_ROLES)}:{role}")
    username = (username or "").strip()
    if not username:
        raise ValidationError("请填写用户名")
    region = region_resolve(region_text) if region_text else None
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if not created and user.unit_memberships.exists():
        raise ValidationError(f"用户 {username} 是单位用户,不能同时作为{OFFICE_ROLES[role]}账号")
    generated = ""
    if password:
        password_validation.validate_password(password, user)
        user.set_password(password)
    elif created:
        generated = _generated_password()
        user.set_password(generated)
    if name:
        user.first_name = name[:150]
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=OFFICE_ROLES[role]))
    if region is None:
        UserGovernment.objects.filter(user=user).delete()
    else:
        UserGovernment.objects.update_or_create(user=user, defaults={"region": region})
    return OfficeUserAdded(user=user, region=region, created=created, password=generated)

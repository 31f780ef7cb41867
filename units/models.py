from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

FULL_NAME_SEPARATOR = " · "
_ANY_REGION = object()


def unit_full_name(name: str, region_name: str | None) -> str:
    """ "襄阳市 · 市行政审批局" from a unit's name and its government's display name."""
    return f"{region_name}{FULL_NAME_SEPARATOR}{name}" if region_name else name


class UnitQuerySet(models.QuerySet):
    def resolve(self, name: str, region=_ANY_REGION):
        """Return the unit called `name` directly or through an alias, or None.

        With `region` (a Region or None) only that government's units count: same-named
        units of different governments are different units. `name` may also be a full
        name such as "湘潭市 · 市行政审批局". Without either, the first unit of that name.
        """
        name = (name or "").strip()
        if region is _ANY_REGION and FULL_NAME_SEPARATOR.strip() in name:
            from regions.models import Region

            place, _, name = (part.strip() for part in name.rpartition(FULL_NAME_SEPARATOR.strip()))
            region = Region.objects.find(place)
            if region is None:
                return None
        units = self
        aliases = UnitAlias.objects.select_related("unit__region")
        if region is not _ANY_REGION:
            units = units.filter(region=region)
            aliases = aliases.filter(unit__region=region)
        unit = units.filter(name=name).order_by("pk").first()
        if unit is None:
            alias = aliases.filter(name=name).order_by("pk").first()
            unit = alias.unit if alias else None
        return unit

    def named(self, text: str):
        """Units called `text` directly or through an alias; `text` may be a full name
        ("湘潭市 · 市行政审批局"). Unlike `resolve`, every match: a bare name such as
        市行政审批局 is one unit per government, and the caller decides what several mean."""
        name = (text or "").strip()
        units = self
        place, separator, rest = name.rpartition(FULL_NAME_SEPARATOR.strip())
        if separator:
            from regions.models import Region

            region = Region.objects.find(place)
            if region is not None:
                units, name = units.filter(region=region), rest.strip()
        aliased = UnitAlias.objects.filter(name=name).values("unit_id")
        return units.filter(models.Q(name=name) | models.Q(pk__in=aliased))

    def managed_by(self, user):
        """Units `user` may list and edit in the admin: every unit for a system-wide office,
        a governed office's units of its government and the governments below it."""
        from .roles import government_region_ids, sees_all_tasks

        if not user.is_authenticated or not sees_all_tasks(user):
            return self.none()
        region_ids = government_region_ids(user)
        return self if region_ids is None else self.filter(region_id__in=region_ids)


class UnitManager(models.Manager.from_queryset(UnitQuerySet)):
    """Units always come with their government: every page shows `full_name`.

    Admin filters, choice fields and autocompletes list units through the default
    manager; the join keeps them at one query instead of one more per unit.
    """

    def get_queryset(self):
        return super().get_queryset().select_related("region")


class Unit(models.Model):
    """An organisation named in plans: a bureau, a government, a bank branch.

    One row per organisation, deduplicated across plans by normalised name;
    other spellings of the same body are `UnitAlias` rows. Group names such as
    各县市人民政府 or 州直相关部门 are collective units: they stand for many bodies.
    """

    name = models.CharField(
        "名称",
        max_length=200,
        help_text="文件中的写法,如“市行政审批局”;所属政府见“所属区划”",
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name="所属区划",
        help_text="单位所属的政府;同名单位属于不同政府时是不同的单位",
    )
    is_collective = models.BooleanField(
        "集合名称",
        default=False,
        help_text="如“各县市人民政府”“州直相关部门”等泛指多个单位的名称",
    )
    created_at = models.DateTimeField(
        "创建时间",
        auto_now_add=True,
    )

    objects = UnitManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                fields=("region", "name"),
                name="%(app_label)s_%(class)s_unique_region_name",
            ),
            models.UniqueConstraint(
                fields=("name",),
                condition=models.Q(region__isnull=True),
                name="%(app_label)s_%(class)s_unique_name_without_region",
            ),
        ]

    def __str__(self):
        return self.full_name

    def clean(self):
        """A unit stays in the province of the plans that name it (no move to another province)."""
        super().clean()
        if self.pk is None or self.region_id is None:
            return
        from regions.models import Region
        from tasks.models import Plan

        chosen = Region.objects.get(pk=self.region_id)
        province = _province_of(chosen)
        plans = Plan.objects.filter(tasks__task_units__unit=self, region__isnull=False).distinct()
        for plan in plans.select_related("region__parent__parent"):
            if _province_of(plan.region) != province:
                raise ValidationError(
                    {
                        "region": f"“{self.name}”在{plan.region.display_name}的方案《{plan.title}》中"
                        f"承担任务,不能改属{province.display_name}的{chosen.display_name};"
                        "不同省份的同名单位请新建单位"
                    }
                )

    @property
    def full_name(self) -> str:
        """The name with its government, e.g. 襄阳市 · 市行政审批局 (select_related("region"))."""
        if self.region_id is None:
            return self.name
        return unit_full_name(self.name, self.region.display_name)


def _province_of(region):
    while region.parent_id is not None:
        region = region.parent
    return region


class UnitAlias(models.Model):
    """Another spelling of a unit's name, e.g. 人行湘西州中心支行 for 人民银行湘西州中心支行."""

    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        related_name="aliases",
        verbose_name="单位",
    )
    name = models.CharField(
        "别名",
        max_length=200,
        db_index=True,
        help_text="在所属政府内唯一;不同政府的单位可以有相同的别名",
    )

    class Meta:
        verbose_name = "单位别名"
        verbose_name_plural = "单位别名"
        ordering = ("name",)

    def __str__(self):
        return self.name

    def clean(self):
        """An alias names one unit within its unit's government, and is not a unit's own name there."""
        super().clean()
        if not self.unit_id or not self.name:
            return
        region_id = Unit.objects.filter(pk=self.unit_id).values_list("region_id", flat=True).first()
        if Unit.objects.filter(name=self.name, region_id=region_id).exists():
            raise ValidationError({"name": f"已有单位叫“{self.name}”,别名不能与单位名称相同"})
        taken = (
            UnitAlias.objects.filter(name=self.name, unit__region_id=region_id)
            .exclude(pk=self.pk)
            .select_related("unit__region")
            .first()
        )
        if taken is not None:
            raise ValidationError({"name": f"别名“{self.name}”已属于“{taken.unit.full_name}”"})


class UnitMembership(models.Model):
    """A user who works for a unit and reports on its tasks."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="unit_memberships",
        verbose_name="用户",
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name="单位",
    )
    phone = models.CharField(
        "电话",
        max_length=50,
        blank=True,
    )
    needs_review = models.BooleanField(
        "待核对",
        default=False,
        help_text="升级时由同名合并单位拆分而来:该用户已加入拆出的每个单位,请核对后保留其真正所属的单位",
    )

    class Meta:
        verbose_name = "单位成员"
        verbose_name_plural = "单位成员"
        constraints = [
            models.UniqueConstraint(
                fields=("user", "unit"),
                name="%(app_label)s_%(class)s_unique_user_unit",
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.unit}"


class UserGovernment(models.Model):
    """The government (region) an office user (优化办) or leader (领导) works for.

    A province's office sees its whole province, a city's office its city and counties;
    an office user or leader without one sees every government (a system-wide office).
    Unit users are scoped by their units instead.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="government",
        verbose_name="用户",
    )
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name="所属政府",
    )

    class Meta:
        verbose_name = "所属政府"
        verbose_name_plural = "所属政府"

    def __str__(self):
        return f"{self.user} @ {self.region}"


class UnitLeaderContact(models.Model):
    """分管领导: the leader in charge of a unit, as the office records it.

    A 督办单 the unit leaves unanswered is escalated (催办) with a copy to this person:
    by e-mail, and through `channel` when one is chosen (an SMS gateway sends to `phone`).
    """

    unit = models.OneToOneField(
        Unit,
        on_delete=models.CASCADE,
        related_name="leader_contact",
        verbose_name="单位",
    )
    name = models.CharField(
        "分管领导姓名",
        max_length=50,
    )
    title = models.CharField(
        "职务",
        max_length=100,
        blank=True,
        help_text="如“副市长”“分管副局长”",
    )
    phone = models.CharField(
        "手机号码",
        max_length=50,
        blank=True,
        help_text="推送渠道为短信网关时发送到此号码",
    )
    email = models.EmailField(
        "电子邮箱",
        blank=True,
    )
    channel = models.ForeignKey(
        "notifications.Channel",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="推送渠道",
        help_text="可选:催办抄送也经此渠道推送(在“消息中心 › 推送渠道”中配置)",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "分管领导"
        verbose_name_plural = "分管领导"
        ordering = ("unit__name",)

    def __str__(self):
        return f"{self.name}({self.unit})"

    def clean(self):
        super().clean()
        for field in ("name", "title", "phone"):
            setattr(self, field, (getattr(self, field) or "").replace("\x00", "").strip())
        if not self.name:
            raise ValidationError({"name": "请填写分管领导姓名"})
        if not (self.email or self.channel_id):
            raise ValidationError(
                {"email": "请填写电子邮箱或选择推送渠道,否则催办抄送无法送达分管领导"}
            )
        if self.phone and not all(ch.isdigit() or ch in "+- " for ch in self.phone):
            raise ValidationError({"phone": f"手机号码只能包含数字、空格、+ 和 -:{self.phone}"})

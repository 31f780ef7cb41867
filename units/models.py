from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class UnitQuerySet(models.QuerySet):
    def resolve(self, name: str):
        """Return the unit called `name` directly or through an alias, or None."""
        unit = self.filter(name=name).first()
        if unit is None:
            alias = UnitAlias.objects.select_related("unit").filter(name=name).first()
            unit = alias.unit if alias else None
        return unit

    def managed_by(self, user):
        """Units `user` may list and edit in the admin: every unit for a system-wide office,
        a governed office's units of its government and the governments below it."""
        from .roles import government_region_ids, sees_all_tasks

        if not user.is_authenticated or not sees_all_tasks(user):
            return self.none()
        region_ids = government_region_ids(user)
        return self if region_ids is None else self.filter(region_id__in=region_ids)


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

    objects = UnitQuerySet.as_manager()
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

    @property
    def full_name(self) -> str:
        """The name with its government, e.g. 襄阳市 · 市行政审批局 (select_related("region"))."""
        if self.region_id is None:
            return self.name
        return f"{self.region.display_name} · {self.name}"


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
        unique=True,
    )

    class Meta:
        verbose_name = "单位别名"
        verbose_name_plural = "单位别名"
        ordering = ("name",)

    def __str__(self):
        return self.name


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

from django.db import models
from django.db.models import Q

from .choices import RegionLevel


class RegionQuerySet(models.QuerySet):
    def subtree_ids(self, region) -> list[int]:
        """Ids of `region` and every region below it (the tree is at most three deep)."""
        return list(
            self.filter(
                Q(pk=region.pk) | Q(parent_id=region.pk) | Q(parent__parent_id=region.pk)
            ).values_list("pk", flat=True)
        )

    def find(self, text: str):
        """The region whose code, name or short name is `text`, or None."""
        text = (text or "").strip()
        if not text:
            return None
        if text.isdigit():
            return self.filter(code=text).first()
        return self.filter(Q(name=text) | Q(short_name=text)).order_by("pk").first()


class Region(models.Model):
    """A government's area (行政区划): a province, a prefecture or city, a county or district.

    Plans are issued by a region's government and units belong to one; relative unit
    names such as 市行政审批局 mean the bureau of the plan's region.
    """

    code = models.CharField(
        "区划代码",
        max_length=6,
        unique=True,
        null=True,
        blank=True,
        help_text="GB/T 2260 六位代码(已知时)",
    )
    name = models.CharField(
        "名称",
        max_length=50,
        help_text="规范全称,如“湘西土家族苗族自治州”",
    )
    short_name = models.CharField(
        "简称",
        max_length=20,
        blank=True,
        help_text="文件里常用的称呼,如“湘西州”;为空时与名称相同",
    )
    abbreviation = models.CharField(
        "文号简称",
        max_length=10,
        blank=True,
        help_text="发文字号里代表本级政府的字,如湖南省“湘”、湘潭市“潭”",
    )
    level = models.CharField(
        "层级",
        max_length=10,
        choices=RegionLevel.choices,
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级区划",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ("code", "name")
        constraints = [
            models.UniqueConstraint(
                fields=("parent", "name"),
                name="%(app_label)s_%(class)s_unique_parent_name",
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name documents use (湘西州), else the full name."""
        return self.short_name or self.name

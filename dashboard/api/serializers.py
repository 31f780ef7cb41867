"""Plain serializers for the dashboard's figures (dicts, not model instances)."""

from functools import cached_property

from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from tasks.api.serializers import DescribedSerializer
from tasks.models import DUE_SOON_DAYS


class RowSerializer(DescribedSerializer):
    """Serializes the plain dict rows of `dashboard.figures`, quickly.

    The API sends thousands of rows (one per lead unit, up to 500 overdue tasks) and
    DRF's generic per-field machinery was a fifth of the response time at 2,000 units.
    The rows already hold values of each field's type, so only dates and datetimes go
    through their field; the output is the same as the generic serializer's (tested).
    """

    @cached_property
    def _plan(self):
        converted = (serializers.DateField, serializers.DateTimeField)
        plan = []
        for name, field in self.fields.items():
            convert = field.to_representation if isinstance(field, converted) else None
            if isinstance(field, serializers.DateTimeField) and _is_default_datetime(field):
                convert = _iso_datetime(timezone.get_current_timezone())
            plan.append((name, field.source, convert))
        return plan

    def to_representation(self, row):
        data = {}
        for name, source, convert in self._plan:
            value = row[source]
            data[name] = convert(value) if convert is not None and value is not None else value
        return data


def _is_default_datetime(field) -> bool:
    """An ISO 8601 DateTimeField in the current time zone (DRF's default settings)."""
    output = getattr(field, "format", api_settings.DATETIME_FORMAT)
    return (
        isinstance(output, str)
        and output.lower() == ISO_8601
        and getattr(field, "timezone", None) is None
    )


def _iso_datetime(zone):
    """What DRF's DateTimeField sends for an aware datetime, with the time zone looked up
    once for all rows rather than once per row (8,000 units in a province)."""

    def convert(value):
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


class TotalsSerializer(DescribedSerializer):
    total = serializers.IntegerField(label="任务总数")
    completed = serializers.IntegerField(label="已销号")
    in_progress = serializers.IntegerField(label="推进中(未逾期)")
    overdue = serializers.IntegerField(label="已逾期")
    due_soon = serializers.IntegerField(label=f"{DUE_SOON_DAYS}天内到期")
    ongoing = serializers.IntegerField(label="长期坚持")


class UnitFiguresSerializer(RowSerializer):
    unit_id = serializers.IntegerField(label="单位ID")
    unit = serializers.CharField(source="unit__name", label="单位名称(文件中的写法)")
    unit_full_name = serializers.CharField(label="单位全称(含所属政府)")
    led = serializers.IntegerField(label="牵头任务数")
    completed = serializers.IntegerField(label="已销号")
    overdue = serializers.IntegerField(label="已逾期")
    assessed = serializers.IntegerField(
        label="已考核任务数",
        help_text="有完成时限、截至统计日期已到期或已销号的牵头任务(按时完成率的分母)",
    )
    on_time = serializers.IntegerField(label="按期完成")
    on_time_rate = serializers.FloatField(allow_null=True, label="按期完成率(%)")
    last_report_at = serializers.DateTimeField(allow_null=True, label="最近报送时间")
    days_since_report = serializers.IntegerField(allow_null=True, label="距最近报送天数")
    links = serializers.DictField(child=serializers.CharField(), label="任务清单链接")


class PlanFiguresSerializer(TotalsSerializer):
    """A plan's headline figures: the same counts as the totals, for one plan."""

    plan_id = serializers.IntegerField(label="方案ID")
    plan = serializers.CharField(source="plan__title", label="方案名称")
    issuer = serializers.CharField(source="plan__issuer", label="发文机关")
    year = serializers.IntegerField(source="plan__year", label="年度")
    links = serializers.DictField(child=serializers.CharField(), label="任务清单链接")


class MonthFiguresSerializer(DescribedSerializer):
    month = serializers.DateField(label="月份(当月1日)")
    due = serializers.IntegerField(label="当月到期任务数")
    completed = serializers.IntegerField(label="其中已销号")


class OverdueTaskSerializer(RowSerializer):
    id = serializers.IntegerField(label="任务ID")
    plan_id = serializers.IntegerField(label="方案ID")
    plan = serializers.CharField(label="方案名称")
    number = serializers.IntegerField(label="序号")
    title = serializers.CharField(label="任务")
    lead_units = serializers.ListField(child=serializers.CharField(), label="牵头单位")
    due_on = serializers.DateField(label="完成时限")
    days_overdue = serializers.IntegerField(label="逾期天数")
    last_report_at = serializers.DateTimeField(allow_null=True, label="最近报送时间")


class RegionSerializer(DescribedSerializer):
    id = serializers.IntegerField(label="区划ID")
    code = serializers.CharField(allow_null=True, label="区划代码")
    name = serializers.CharField(source="display_name", label="名称")
    level = serializers.CharField(label="层级")


class RegionFiguresSerializer(RowSerializer):
    """One government below the dashboard's region (下级政府), its tasks counted as the
    `region` filter counts them: every number has its task list in `links`."""

    region_id = serializers.IntegerField(label="区划ID")
    code = serializers.CharField(allow_null=True, label="区划代码")
    name = serializers.CharField(label="政府")
    level = serializers.CharField(label="层级")
    total = serializers.IntegerField(label="任务数")
    completed = serializers.IntegerField(label="已销号")
    overdue = serializers.IntegerField(label="已逾期")
    assessed = serializers.IntegerField(label="已考核任务数")
    on_time = serializers.IntegerField(label="按期完成")
    on_time_rate = serializers.FloatField(allow_null=True, label="按期完成率(%)")
    links = serializers.DictField(
        child=serializers.CharField(), label="链接(dashboard 为下钻看板,其余为任务清单)"
    )


class DashboardSerializer(DescribedSerializer):
    as_of = serializers.DateField(label="统计日期")
    filters = serializers.DictField(label="筛选条件")
    totals = TotalsSerializer(label="总体情况")
    by_unit = UnitFiguresSerializer(many=True, label="各牵头单位")
    by_plan = PlanFiguresSerializer(many=True, label="各方案")
    by_month = MonthFiguresSerializer(many=True, label="按月到期与销号")
    region = RegionSerializer(allow_null=True, label="看板所在政府(为空时为全部)")
    by_region = RegionFiguresSerializer(many=True, label="下级政府")
    overdue = OverdueTaskSerializer(many=True, label="逾期任务")
    overdue_link = serializers.CharField(label="逾期任务清单链接")

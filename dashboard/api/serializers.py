"""Plain serializers for the dashboard's figures (dicts, not model instances)."""

from rest_framework import serializers


class TotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due_soon = serializers.IntegerField()
    ongoing = serializers.IntegerField()


class UnitFiguresSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit = serializers.CharField(source="unit__name")
    led = serializers.IntegerField()
    completed = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due = serializers.IntegerField()
    on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    last_report_at = serializers.DateTimeField(allow_null=True)
    days_since_report = serializers.IntegerField(allow_null=True)
    links = serializers.DictField(child=serializers.CharField())


class PlanFiguresSerializer(TotalsSerializer):
    """A plan's headline figures: the same counts as the totals, for one plan."""

    plan_id = serializers.IntegerField()
    plan = serializers.CharField(source="plan__title")
    issuer = serializers.CharField(source="plan__issuer")
    year = serializers.IntegerField(source="plan__year")
    links = serializers.DictField(child=serializers.CharField())


class MonthFiguresSerializer(serializers.Serializer):
    month = serializers.DateField()
    due = serializers.IntegerField()
    completed = serializers.IntegerField()


class OverdueTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan_id = serializers.IntegerField()
    plan = serializers.CharField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    lead_units = serializers.ListField(child=serializers.CharField())
    due_on = serializers.DateField()
    days_overdue = serializers.IntegerField()
    last_report_at = serializers.DateTimeField(allow_null=True)


class DashboardSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    filters = serializers.DictField()
    totals = TotalsSerializer()
    by_unit = UnitFiguresSerializer(many=True)
    by_plan = PlanFiguresSerializer(many=True)
    by_month = MonthFiguresSerializer(many=True)
    overdue = OverdueTaskSerializer(many=True)
    overdue_link = serializers.CharField()

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from tasks.api.serializers import DescribedModelSerializer, RegionRefSerializer
from units.models import Unit, UnitAlias, UnitMembership


class UnitSerializer(DescribedModelSerializer):
    aliases = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name", label="别名"
    )
    task_count = serializers.IntegerField(read_only=True, label="任务数")
    region = RegionRefSerializer(allow_null=True, read_only=True, label="所属政府")
    full_name = serializers.CharField(read_only=True, label="全称(含所属政府)")

    class Meta:
        model = Unit
        fields = ("id", "name", "region", "full_name", "aliases", "is_collective", "task_count")


class UnitAliasSerializer(DescribedModelSerializer):
    class Meta:
        model = UnitAlias
        fields = ("id", "unit", "name")

    def validate(self, attrs):
        alias = UnitAlias(
            pk=getattr(self.instance, "pk", None),
            unit=attrs.get("unit", getattr(self.instance, "unit", None)),
            name=attrs.get("name", getattr(self.instance, "name", "")),
        )
        try:
            alias.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


class UnitMembershipSerializer(DescribedModelSerializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), label="用户ID"
    )
    username = serializers.CharField(source="user.username", read_only=True, label="用户名")
    unit_name = serializers.CharField(source="unit.name", read_only=True, label="单位名称")
    unit_full_name = serializers.CharField(
        source="unit.full_name", read_only=True, label="单位全称(含所属政府)"
    )

    class Meta:
        model = UnitMembership
        fields = (
            "id",
            "user",
            "username",
            "unit",
            "unit_name",
            "unit_full_name",
            "phone",
            "needs_review",
        )

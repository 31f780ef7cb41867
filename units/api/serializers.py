from rest_framework import serializers

from units.models import Unit


class UnitSerializer(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    task_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Unit
        fields = ("id", "name", "aliases", "is_collective", "task_count")

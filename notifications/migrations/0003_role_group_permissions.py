"""The office (优化办) manages channels and sees every delivery; leaders (领导) view them.

Messages themselves are read by their recipient only (the inbox); the admin list of
messages is view-only for the office, for support.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE_GROUP = "优化办"
LEADER_GROUP = "领导"


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="notifications")
    office, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    office.permissions.add(
        *permissions.exclude(codename__in=("add_notification", "change_notification"))
    )
    leader, _ = Group.objects.get_or_create(name=LEADER_GROUP)
    leader.permissions.add(*permissions.filter(codename__startswith="view_"))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permissions = Permission.objects.filter(content_type__app_label="notifications")
    for group in Group.objects.filter(name__in=(OFFICE_GROUP, LEADER_GROUP)):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_channels_and_deliveries"),
        ("units", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

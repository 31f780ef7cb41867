"""Create the office (优化办) and leader (领导) groups with their model permissions.

Office staff may view, add, change and delete everything of the three domain apps;
leaders may only view. Unit users get no admin permissions at all.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE_GROUP = "优化办"
LEADER_GROUP = "领导"
DOMAIN_APPS = ("units", "tasks", "deadlines")


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    domain_permissions = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS)

    office, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    office.permissions.add(*domain_permissions)

    leader, _ = Group.objects.get_or_create(name=LEADER_GROUP)
    leader.permissions.add(*domain_permissions.filter(codename__startswith="view_"))


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=(OFFICE_GROUP, LEADER_GROUP)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("units", "0001_initial"),
        ("tasks", "0001_initial"),
        ("deadlines", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]

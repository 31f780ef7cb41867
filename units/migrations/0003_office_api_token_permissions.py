"""Let the office (优化办) issue API tokens to other systems in the admin (令牌).

Leaders only read; unit users get nothing. Superusers' tokens stay hidden from the
office (see SystemTokenAdmin).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE_GROUP = "优化办"


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    office, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    office.permissions.add(*Permission.objects.filter(content_type__app_label="authtoken"))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for office in Group.objects.filter(name=OFFICE_GROUP):
        office.permissions.remove(*Permission.objects.filter(content_type__app_label="authtoken"))


class Migration(migrations.Migration):
    dependencies = [
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("units", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

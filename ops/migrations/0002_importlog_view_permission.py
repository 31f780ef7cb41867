"""Let office staff (优化办) read import logs in the admin; nobody may edit them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE_GROUP = "优化办"


def grant_view(apps, schema_editor):
    ops_config = apps.get_app_config("ops")
    ops_config.models_module = True
    create_permissions(ops_config, verbosity=0, apps=apps)
    ops_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    office, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    office.permissions.add(
        Permission.objects.get(content_type__app_label="ops", codename="view_importlog")
    )


def revoke_view(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="ops", codename="view_importlog").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0001_importlog"),
        ("units", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant_view, revoke_view)]

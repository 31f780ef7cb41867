"""Give the office (优化办) every supervision permission and leaders (领导) view-only ones.

Unit users get no admin permissions: they acknowledge and answer on the supervision pages.
Also seeds the default assessment rules, which the office can edit in the admin.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OFFICE_GROUP = "优化办"
LEADER_GROUP = "领导"

DEFAULT_RULES = [
    ("按期完成任务", "on_time_completion", "5.00"),
    ("按月报送进展", "monthly_report", "1.00"),
    ("蓝色督办单", "notice_blue", "-1.00"),
    ("黄色督办单", "notice_yellow", "-3.00"),
    ("红色督办单", "notice_red", "-5.00"),
    ("超时签收", "late_acknowledgement", "-1.00"),
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="supervision")
    office, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    office.permissions.add(*permissions)
    leader, _ = Group.objects.get_or_create(name=LEADER_GROUP)
    leader.permissions.add(*permissions.filter(codename__startswith="view_"))

    AssessmentRule = apps.get_model("supervision", "AssessmentRule")
    if not AssessmentRule.objects.exists():
        for position, (name, kind, points) in enumerate(DEFAULT_RULES):
            AssessmentRule.objects.create(name=name, kind=kind, points=points, position=position)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permissions = Permission.objects.filter(content_type__app_label="supervision")
    for group in Group.objects.filter(name__in=(OFFICE_GROUP, LEADER_GROUP)):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("units", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

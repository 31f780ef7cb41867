"""Create (or reset) the demo accounts that `make run` prints."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from regions.models import Region
from units.models import Unit, UnitMembership, UserGovernment
from units.roles import LEADER_GROUP, OFFICE_GROUP

# (username, password, display name, group, is_staff, unit names)
DEMO_ACCOUNTS = [
    ("office", "office-demo-2026", "优化办演示账号", OFFICE_GROUP, True, []),
    ("leader", "leader-demo-2026", "领导演示账号", LEADER_GROUP, True, []),
    ("xxscjg", "unit-demo-2026", "州市场监督管理局演示账号", None, False, ["州市场监督管理局"]),
    ("xxspj", "unit-demo-2026", "州行政审批服务局演示账号", None, False, ["州行政审批服务局"]),
    ("lstfgj", "unit-demo-2026", "区发改局演示账号", None, False, ["区发改局"]),
    ("xtspj", "unit-demo-2026", "湘潭市行政审批局演示账号", None, False, ["湘潭市 · 市行政审批局"]),
    # 承办: a city government 湖南省's 各市州人民政府 was handed down to (manage.py prepare_demo).
    (
        "cszf",
        "unit-demo-2026",
        "长沙市人民政府演示账号",
        None,
        False,
        ["长沙市 · 长沙市人民政府"],
    ),
]

# (username, password, display name, government's region code): office staff of one government.
GOVERNMENT_OFFICES = [
    ("hnoffice", "office-demo-2026", "湖南省优化办演示账号", "430000"),
    ("xtoffice", "office-demo-2026", "湘潭市优化办演示账号", "430300"),
]


class Command(BaseCommand):
    help = "创建或重置演示账号(优化办、领导、若干牵头单位),并打印登录信息"

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        self.stdout.write("演示账号(用户名 / 密码 / 角色):")
        for username, password, name, group_name, is_staff, unit_names in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name = name
            user.is_staff = is_staff
            user.set_password(password)
            user.save()
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
            units = []
            for unit_name in unit_names:
                unit = Unit.objects.resolve(unit_name)
                if unit is None:
                    self.stderr.write(f"  单位“{unit_name}”不存在(请先导入方案),跳过")
                    continue
                UnitMembership.objects.get_or_create(user=user, unit=unit)
                units.append(unit.full_name)
            role = group_name or ("单位用户:" + "、".join(units))
            self.stdout.write(f"  {username} / {password} / {role}")
        office = Group.objects.get(name=OFFICE_GROUP)
        for username, password, name, code in GOVERNMENT_OFFICES:
            region = Region.objects.get(code=code)
            user, _ = User.objects.get_or_create(username=username)
            user.first_name = name
            user.is_staff = True
            user.set_password(password)
            user.save()
            user.groups.add(office)
            UserGovernment.objects.update_or_create(user=user, defaults={"region": region})
            self.stdout.write(f"  {username} / {password} / {OFFICE_GROUP}({region.name})")

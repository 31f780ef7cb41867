"""Give another system an API account: add_system_account <username> --role leader|office."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from units.services import SYSTEM_ROLES, system_account_add, user_government_set


class Command(BaseCommand):
    help = "为其他系统(督查平台、12345 热线等)创建只用令牌登录的接口账号,并打印其令牌"

    def add_arguments(self, parser):
        parser.add_argument("username", help="系统账号的用户名,例如 duchapingtai")
        parser.add_argument(
            "--role",
            choices=sorted(SYSTEM_ROLES),
            default="leader",
            help="leader:只读全部任务(默认);office:可按优化办权限写入",
        )
        parser.add_argument("--name", default="", help="系统名称,例如 省督查平台")
        parser.add_argument(
            "--region",
            default="",
            help="所属政府:六位区划代码或名称;指定后只能访问该政府及其下级的任务",
        )

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                key = system_account_add(
                    username=options["username"], role=options["role"], name=options["name"]
                )
                user = get_user_model().objects.get(username=options["username"].strip())
                user_government_set(user=user, region_text=options["region"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"系统账号 {options['username']}({options['role']})的令牌:{key}")
        self.stdout.write("调用接口时在请求头中加入:Authorization: Token <令牌>")

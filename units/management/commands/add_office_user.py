"""Add an office user (优化办) or leader (领导), optionally of one government (行政区划)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from units.services import OFFICE_ROLES, office_user_add


class Command(BaseCommand):
    help = (
        "添加优化办或领导账号(或更新已有账号);--region 指定所属政府,"
        "则只看该政府及其下级的方案和任务;未指定密码时生成并打印一个密码"
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="登录用户名")
        parser.add_argument(
            "--role", choices=sorted(OFFICE_ROLES), default="office", help="office 或 leader"
        )
        parser.add_argument(
            "--region",
            default="",
            help="所属政府:六位区划代码或名称(如 430300 或 湘潭市);不填则可看全部政府",
        )
        parser.add_argument("--password", help="登录密码;不填则自动生成")
        parser.add_argument("--name", default="", help="姓名")

    def handle(self, *args, **options):
        try:
            added = office_user_add(
                username=options["username"],
                role=options["role"],
                region_text=options["region"],
                password=options["password"],
                name=options["name"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        action = "已创建用户" if added.created else "已更新用户"
        scope = added.region.name if added.region else "全部政府"
        self.stdout.write(
            f"{action} {added.user.username}({OFFICE_ROLES[options['role']]}),范围:{scope}"
        )
        if added.password:
            self.stdout.write(f"初始密码:{added.password}(请转交本人并提醒登录后修改)")

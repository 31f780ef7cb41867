"""Add a unit user from the command line: add_unit_user <username> --unit <name or alias>."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from units.services import unit_user_add


class Command(BaseCommand):
    help = "添加单位用户(或为已有用户增加单位);未指定密码时生成并打印一个密码"

    def add_arguments(self, parser):
        parser.add_argument("username", help="登录用户名")
        parser.add_argument("--unit", required=True, help="单位全称或别名")
        parser.add_argument("--password", help="登录密码;不填则自动生成")
        parser.add_argument("--name", default="", help="姓名")
        parser.add_argument("--phone", default="", help="电话")
        parser.add_argument("--email", default="", help="电子邮箱(用于接收提醒)")

    def handle(self, *args, **options):
        try:
            added = unit_user_add(
                username=options["username"],
                unit_name=options["unit"],
                password=options["password"],
                name=options["name"],
                phone=options["phone"],
                email=options["email"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        action = "已创建用户" if added.created else "已更新用户"
        self.stdout.write(f"{action} {added.user.username},单位:{added.unit.full_name}")
        if added.password:
            self.stdout.write(f"初始密码:{added.password}(请转交本人并提醒登录后修改)")

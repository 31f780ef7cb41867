from django.core.management.base import BaseCommand

from notifications.services import notifications_prune


class Command(BaseCommand):
    help = "删除一年以前的站内消息(建议每天由 cron 运行)"

    def handle(self, *args, **options):
        deleted = notifications_prune()
        self.stdout.write(f"已删除 {deleted} 条一年以前的消息")

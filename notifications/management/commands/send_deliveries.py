from django.core.management.base import BaseCommand

from notifications.channels import deliveries_send


class Command(BaseCommand):
    help = "发送待推送的消息(Webhook、企业微信、钉钉、短信网关);失败的按退避时间重试。建议每分钟由 cron 运行"

    def handle(self, *args, **options):
        result = deliveries_send()
        self.stdout.write(
            f"发送成功 {result['sent']} 条,失败 {result['failed']} 条(将按退避时间重试)"
        )

from django.db import models


class ImportVia(models.TextChoices):
    """How a plan import was started."""

    COMMAND = "command", "命令行"
    ADMIN = "admin", "管理后台上传"
    API = "api", "接口"


class ImportOutcome(models.TextChoices):
    """What an import did; FAILED means it was rolled back and wrote nothing."""

    CREATED = "created", "新建"
    UPDATED = "updated", "更新"
    UNCHANGED = "unchanged", "未变化"
    FAILED = "failed", "失败"

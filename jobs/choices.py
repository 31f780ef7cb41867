from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class JobKind(models.TextChoices):
    LEDGER = "ledger", "任务台账"
    BULLETIN = "bulletin", "月度通报"
    BULLETIN_PDF = "bulletin_pdf", "月度通报(PDF)"
    SCORES = "scores", "考评排名"
    REMINDERS = "reminders", "发送提醒"
    PLAN_IMPORT = "plan_import", "导入方案"
    PROPOSE_NOTICES = "propose_notices", "生成督办单建议"

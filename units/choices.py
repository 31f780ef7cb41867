from django.db import models


class UnitRole(models.TextChoices):
    """How a unit is named on a task: 牵头单位 (lead) or 责任单位 (responsible)."""

    LEAD = "lead", "牵头单位"
    RESPONSIBLE = "responsible", "责任单位"

from django.db import models


class RegionLevel(models.TextChoices):
    """The three levels of government a plan comes from (GB/T 2260 levels)."""

    PROVINCE = "province", "省级"
    CITY = "city", "市(州)级"
    COUNTY = "county", "县(市、区)级"


LEVEL_DEPTH = {RegionLevel.PROVINCE: 0, RegionLevel.CITY: 1, RegionLevel.COUNTY: 2}


def level_from_code(code: str) -> str:
    """GB/T 2260: xx0000 is a province, xxxx00 a prefecture or city, anything else a county."""
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY

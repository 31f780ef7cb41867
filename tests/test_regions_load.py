"""Regions (行政区划): the shipped list and loading a province's list from a CSV."""

import pytest
from django.core.management import CommandError, call_command

from regions.choices import RegionLevel
from regions.models import Region


def write_csv(tmp_path, text: str):
    path = tmp_path / "regions.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_shipped_regions_cover_the_five_plans_governments():
    hunan = Region.objects.get(code="430000")
    assert hunan.level == RegionLevel.PROVINCE
    assert hunan.children.count() == 14
    xiangxi = Region.objects.get(code="433100")
    assert (xiangxi.name, xiangxi.display_name, xiangxi.parent) == (
        "湘西土家族苗族自治州",
        "湘西州",
        hunan,
    )
    assert xiangxi.children.count() == 8
    assert Region.objects.get(name="冷水滩区").parent.name == "永州市"
    assert Region.objects.get(code="420600").parent.name == "湖北省"
    assert Region.objects.get(name="湘潭市").children.count() == 5


@pytest.mark.django_db
def test_subtree_of_a_province_holds_its_cities_and_counties():
    hunan = Region.objects.get(code="430000")
    ids = set(Region.objects.subtree_ids(hunan))
    # 1 province + 14 cities + 5 (湘潭) + 11 (永州) + 8 (湘西) counties
    assert len(ids) == 39
    assert Region.objects.get(name="襄阳市").pk not in ids


@pytest.mark.django_db
def test_load_regions_adds_a_city_and_is_idempotent(tmp_path, capsys):
    path = write_csv(
        tmp_path,
        "code,name,parent_code\n430100,长沙市,430000\n430102,芙蓉区,430100\n430104,岳麓区,430100\n",
    )
    call_command("load_regions", str(path))
    assert "新增 2" in capsys.readouterr().out
    assert Region.objects.get(code="430104").parent.name == "长沙市"
    assert Region.objects.get(code="430104").level == RegionLevel.COUNTY
    call_command("load_regions", str(path))
    assert "新增 0,更新 0,未变化 3" in capsys.readouterr().out


@pytest.mark.django_db
def test_load_regions_corrects_a_name_in_place(tmp_path):
    path = write_csv(tmp_path, "code,name,parent_code\n430102,芙蓉去,430100\n")
    call_command("load_regions", str(path))
    region_id = Region.objects.get(code="430102").pk
    path = write_csv(tmp_path, "code,name,parent_code\n430102,芙蓉区,430100\n")
    call_command("load_regions", str(path))
    assert Region.objects.get(pk=region_id).name == "芙蓉区"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,name,parent_code\n4301,芙蓉区,430100\n", "第2行:区划代码“4301”不是六位数字"),
        ("code,name,parent_code\n450102,兴宁区,450100\n", "450102 兴宁区 的上级区划 450100 不存在"),
        ("code,name,parent_code\n430102,芙蓉区,\n", "不是省级区划,必须填写上级代码"),
        ("code,name,parent_code\n420102,江岸区,430100\n", "不能属于上级 430100"),
        ("code,name\n430102,芙蓉区\n", "表头必须包含 code,name,parent_code"),
    ],
)
def test_bad_region_rows_are_refused_and_nothing_is_written(tmp_path, text, message):
    before = Region.objects.count()
    path = write_csv(tmp_path, text + "430103,天心区,430100\n" if "parent_code\n" in text else text)
    with pytest.raises(CommandError) as error:
        call_command("load_regions", str(path))
    assert message in str(error.value)
    assert Region.objects.count() == before

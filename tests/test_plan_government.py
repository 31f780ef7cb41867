"""Issue 12 points 2-3: a plan's issuing government read from the document, units of each government."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from ops.models import ImportLog
from regions.models import Region
from tasks.importer import parse_document, read_document, unit_government
from tasks.models import Plan, Task, TaskUnit
from tasks.services import known_regions
from units.models import Unit, UnitAlias

from .conftest import (
    FIXTURE_REGIONS,
    HUNAN,
    LENGSHUITAN,
    POLICIES_DIR,
    XIANGTAN,
    XIANGXI,
    XIANGYANG,
)

pytestmark = pytest.mark.django_db

UNKNOWN_PLACE_PLAN = """白水县人民政府办公室关于印发《白水县2024年优化营商环境工作要点》的通知
白政办发〔2024〕1号
各乡镇人民政府,县直各单位:
现将《白水县2024年优化营商环境工作要点》印发给你们,请认真贯彻执行。
白水县人民政府办公室
2024年3月1日
1.推行“一件事一次办”。(牵头单位:县行政审批局;责任单位:县直各单位,6月底完成)
2.开展涉企收费清理。(牵头单位:县发改局,9月底完成)
"""


def run(*args) -> str:
    out = io.StringIO()
    call_command("load_policies", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def region(code) -> Region:
    return Region.objects.get(code=code)


def known(code):
    index = known_regions()
    return index, index.by_code[code]


# --------------------------------------------------------------------------- the plan's government


@pytest.mark.parametrize(
    "source_file, code, evidence",
    [
        (XIANGXI, "433100", "文号“州政发〔2020〕5号”"),
        (XIANGYANG, "420600", "发文单位“襄阳市人民政府办公室”"),
        (HUNAN, "430000", "发文单位“湖南省人民政府办公厅”"),
        (LENGSHUITAN, "431103", "文号“冷优组发〔2021〕3号”"),
        (XIANGTAN, "430300", "标题以“湘潭市”开头"),
    ],
)
def test_each_fixture_plan_names_its_issuing_government(source_file, code, evidence):
    parsed = parse_document(read_document(POLICIES_DIR / source_file), regions=known_regions())
    assert parsed.region_code == code == FIXTURE_REGIONS[source_file]
    assert evidence in parsed.region_evidence


def test_a_district_named_after_its_city_is_the_district():
    # 冷水滩区's issuer is printed "永州市冷水滩区…领导小组": the deeper place wins.
    parsed = parse_document(read_document(POLICIES_DIR / LENGSHUITAN), regions=known_regions())
    assert parsed.region_name == "冷水滩区"


def test_a_document_number_character_alone_does_not_decide():
    # 永 is 永州市's 文号 character, but this plan is 永宁县's, which is not loaded.
    text = UNKNOWN_PLACE_PLAN.replace("白水县", "永宁县").replace("白政办发", "永政办发")
    parsed = parse_document(text, regions=known_regions())
    assert parsed.region_code is None


def test_a_loaded_region_is_detected_like_a_shipped_one():
    Region.objects.create(name="白水县", level="county", parent=region("431100"))
    parsed = parse_document(UNKNOWN_PLACE_PLAN, regions=known_regions())
    assert parsed.region_name == "白水县"


def test_import_gives_each_fixture_plan_its_government(imported_plans):
    assert {name: plan.region.code for name, plan in imported_plans.items()} == FIXTURE_REGIONS


# --------------------------------------------------------------------------- load_policies --region


def test_command_refuses_an_undetermined_government_and_writes_nothing(tmp_path):
    path = tmp_path / "baishui.txt"
    path.write_text(UNKNOWN_PLACE_PLAN, encoding="utf-8")
    with pytest.raises(CommandError, match="无法确定发文政府.*baishui.txt.*--region"):
        run(path)
    assert not Plan.objects.exists()
    assert not Unit.objects.exists()
    assert not ImportLog.objects.exists()


def test_command_refuses_an_unknown_region(tmp_path):
    path = tmp_path / "baishui.txt"
    path.write_text(UNKNOWN_PLACE_PLAN, encoding="utf-8")
    with pytest.raises(CommandError, match="区划“白水县”不存在"):
        run(path, "--region", "白水县")
    with pytest.raises(CommandError, match="区划“999999”不存在"):
        run(path, "--region", "999999")
    assert not Plan.objects.exists()


def test_region_given_on_the_command_line_sets_the_plan_and_its_units(tmp_path):
    path = tmp_path / "baishui.txt"
    path.write_text(UNKNOWN_PLACE_PLAN, encoding="utf-8")
    output = run(path, "--region", "431122")  # 东安县, by code
    plan = Plan.objects.get(source_file="baishui.txt")
    assert plan.region == region("431122")
    assert "发文政府:东安县(431122)" in output
    lead = plan.tasks.get(number=1).lead_units[0]
    assert (lead.name, lead.full_name) == ("县行政审批局", "东安县 · 县行政审批局")


def test_region_by_name_overrides_the_detected_one():
    run(POLICIES_DIR / XIANGTAN, "--region", "湖南省")
    assert Plan.objects.get().region == region("430000")


# --------------------------------------------------------------------------- units per government


def test_same_named_bureaus_of_two_cities_are_two_units(imported_plans):
    xiangyang = Unit.objects.get(name="市行政审批局", region=region("420600"))
    xiangtan = Unit.objects.get(name="市行政审批局", region=region("430300"))
    assert xiangyang != xiangtan
    assert set(
        Task.objects.filter(task_units__unit=xiangyang).values_list("plan__source_file", flat=True)
    ) == {XIANGYANG}
    assert set(
        Task.objects.filter(task_units__unit=xiangtan).values_list("plan__source_file", flat=True)
    ) == {XIANGTAN}
    assert str(xiangyang) == "襄阳市 · 市行政审批局"


def test_every_imported_unit_has_a_government_and_no_name_spans_two_of_a_plan(imported_plans):
    assert not Unit.objects.filter(region=None).exists()
    for plan in imported_plans.values():
        names = list(TaskUnit.objects.filter(task__plan=plan).values_list("unit__name", "unit_id"))
        assert len({name for name, _ in names}) == len(set(names))


@pytest.mark.parametrize(
    "source_file, name, code",
    [
        (HUNAN, "省政务局", "430000"),
        (XIANGXI, "州市场监督管理局", "433100"),
        (LENGSHUITAN, "区发改局", "431103"),
        (XIANGYANG, "市行政审批局", "420600"),
        (XIANGXI, "人民银行湘西州中心支行", "433100"),
        (HUNAN, "长沙市人民政府", "430100"),
        (HUNAN, "人民银行长沙中心支行", "430100"),
        (XIANGXI, "各县市人民政府", "433100"),
    ],
)
def test_units_of_the_fixture_plans_belong_to_the_right_government(
    imported_plans, source_file, name, code
):
    unit = (
        Unit.objects.filter(name=name, task_units__task__plan=imported_plans[source_file])
        .distinct()
        .get()
    )
    assert unit.region.code == code


@pytest.mark.parametrize(
    "plan_code, name, expected",
    [
        ("431103", "市政协", "永州市"),  # a district's plan: 市 is its city
        ("431103", "区商务局", "冷水滩区"),
        ("430300", "湘潭县人民政府", "湘潭县"),
        ("430000", "湘潭市行政审批局", "湘潭市"),
        ("430000", "省发展改革委", "湖南省"),
        ("430000", "市州人民政府", "湖南省"),  # a province's 市: no city above it
        ("433100", "国网湘西供电公司", "湘西州"),
        ("433100", "中国移动湘西分公司", "湘西州"),
        ("420600", "人民银行襄阳中心支行", "襄阳市"),
        ("420600", "国家税务总局襄阳市税务局", "襄阳市"),
        ("433100", "吉首自来水公司", "吉首市"),
        ("420600", "中国铁塔公司", "襄阳市"),
    ],
)
def test_unit_government_from_its_name_and_the_plan(plan_code, name, expected):
    index, plan_region = known(plan_code)
    assert unit_government(name, plan_region, index).display_name == expected


# --------------------------------------------------------------------------- aliases within a government


def test_an_alias_only_works_in_its_own_government(imported_plans):
    xiangxi = region("433100")
    bureau = Unit.objects.get(name="州市场监督管理局", region=xiangxi)
    assert Unit.objects.resolve("州市场监管局", region=xiangxi) == bureau
    other = Region.objects.create(name="恩施土家族苗族自治州", short_name="恩施州", level="city")
    assert Unit.objects.resolve("州市场监管局", region=other) is None
    # Another 州 may use the same alias for its own bureau; within one government it is unique.
    enshi = Unit.objects.create(name="州市场监督管理局", region=other)
    alias = UnitAlias(unit=enshi, name="州市场监管局")
    alias.full_clean()
    alias.save()
    assert Unit.objects.resolve("州市场监管局", region=other) == enshi
    assert Unit.objects.resolve("州市场监管局", region=xiangxi) == bureau
    duplicate = UnitAlias(unit=Unit.objects.get(name="州生态环境局"), name="州市场监管局")
    with pytest.raises(ValidationError, match="已属于“湘西州 · 州市场监督管理局”"):
        duplicate.full_clean()
    assert Unit.objects.resolve("湘西州 · 州市场监管局") == bureau
    assert Unit.objects.resolve("湘潭市 · 市行政审批局").region.code == "430300"


def test_alias_file_with_an_unknown_region_is_refused_and_writes_nothing(tmp_path):
    path = tmp_path / "aliases.csv"
    path.write_text(
        "unit,alias,region\n州税务局,州税务,433100\n市税务局,市税务,火星市\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match="第3行:区划“火星市”不存在"):
        run(POLICIES_DIR / XIANGTAN, "--aliases", path)
    assert not UnitAlias.objects.exists()
    assert not Plan.objects.exists()


# --------------------------------------------------------------------------- full names where units are shown


def test_dashboard_and_bulletin_rank_each_citys_bureau_separately(
    imported_plans, leader_user, client
):
    client.force_login(leader_user)
    page = client.get("/dashboard/", {"as_of": "2023-01-01", "units": "all"}).content.decode()
    assert '<td class="unit">襄阳市 · 市行政审批局</td>' in page
    assert '<td class="unit">湘潭市 · 市行政审批局</td>' in page
    bulletin = client.get("/dashboard/bulletin/", {"as_of": "2023-01-01"}).content.decode()
    assert "襄阳市 · 市行政审批局" in bulletin and "湘潭市 · 市行政审批局" in bulletin
    data = client.get("/api/dashboard/", {"as_of": "2023-01-01"}).json()
    bureaus = sorted(u["unit_full_name"] for u in data["by_unit"] if u["unit"] == "市行政审批局")
    assert bureaus == ["湘潭市 · 市行政审批局", "襄阳市 · 市行政审批局"]


def test_portal_task_page_names_units_with_their_government(imported_plans, office_user, client):
    task = imported_plans[XIANGTAN].tasks.get(number=1)
    client.force_login(office_user)
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "湘潭市 · 市" in page


def test_reimport_keeps_the_government_the_plan_was_imported_with():
    run(POLICIES_DIR / XIANGTAN, "--region", "430321")  # the office said 湘潭县
    run(POLICIES_DIR / XIANGTAN)  # detection would say 湘潭市: the confirmed one stays
    assert Plan.objects.get().region == region("430321")


def test_api_unit_references_carry_the_full_name(imported_plans, office_user, client):
    task = imported_plans[XIANGYANG].tasks.filter(task_units__unit__name="市行政审批局").first()
    client.force_login(office_user)
    links = client.get("/api/task-units/", {"task": task.pk}).json()["results"]
    bureau = next(link for link in links if link["unit_name"] == "市行政审批局")
    assert bureau["unit_full_name"] == "襄阳市 · 市行政审批局"


def test_upload_preview_counts_units_in_their_own_government():
    from tasks.services import plan_import, plan_import_preview

    regions = known_regions()
    for source_file in (XIANGYANG, XIANGTAN):
        text = read_document(POLICIES_DIR / source_file)
        parsed = parse_document(text, regions=regions)
        if source_file == XIANGYANG:
            plan_import(parsed=parsed, source_file=source_file, source_text=text)
            continue
        preview = plan_import_preview(parsed=parsed, source_file=source_file, source_text=text)
        dry_run = plan_import(
            parsed=parsed, source_file=source_file, source_text=text, dry_run=True
        )
    # 襄阳's 市行政审批局 and the like are not 湘潭's: every unit of the 湘潭 plan is new.
    assert (preview.units_new, preview.units_existing) == (
        dry_run.units_new,
        dry_run.units_existing,
    )
    assert preview.units_existing == 0 and preview.region.code == "430300"


def test_giving_a_government_later_keeps_the_plans_units_reports_and_users(tmp_path):
    from tasks.models import ProgressReport
    from tasks.services import plan_import, plan_import_preview
    from units.models import UnitMembership

    from .conftest import make_user

    path = tmp_path / "baishui.txt"
    path.write_text(UNKNOWN_PLACE_PLAN, encoding="utf-8")
    parsed = parse_document(UNKNOWN_PLACE_PLAN, regions=known_regions())
    plan_import(parsed=parsed, source_file="baishui.txt", source_text=UNKNOWN_PLACE_PLAN)
    bureau = Unit.objects.get(name="县行政审批局")
    assert bureau.region is None
    task = Task.objects.get(number=1)
    user = make_user(units=[bureau])
    report = ProgressReport.objects.create(
        task=task, unit=bureau, status="in_progress", progress=30, text="推进中"
    )
    units_before = Unit.objects.count()

    dongan = region("431122")
    preview = plan_import_preview(
        parsed=parsed, source_file="baishui.txt", source_text=UNKNOWN_PLACE_PLAN, region=dongan
    )
    assert preview.units_new == 0
    run(path, "--region", "431122", "--aliases", "")

    bureau.refresh_from_db()
    assert bureau.region == dongan and Plan.objects.get().region == dongan
    assert Unit.objects.count() == units_before
    assert task.lead_units == [bureau]
    report.refresh_from_db()
    assert report.unit == bureau
    assert UnitMembership.objects.get(user=user).unit == bureau

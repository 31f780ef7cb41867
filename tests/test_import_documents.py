"""The importer on the five real plans in fixtures/policies (pure Python, no database).

Expected values were read off the documents by hand.
"""

from datetime import date
from pathlib import Path

import pytest

from tasks.importer import (
    DEADLINE_SOURCE_DOCUMENT,
    DEADLINE_SOURCE_PLAN_DEFAULT,
    ParsedDeadline,
    parse_document,
    read_document,
)

POLICIES = Path(__file__).resolve().parent.parent / "fixtures" / "policies"
GARBLED = "正文含乱码,请核对原文"


def load(name: str):
    return parse_document(read_document(POLICIES / name))


def task(plan, number: int):
    (found,) = [t for t in plan.tasks if t.number == number]
    return found


@pytest.fixture(scope="module")
def xiangxi():
    return load("2020-xiangxi-work-plan.txt")


@pytest.fixture(scope="module")
def xiangyang():
    return load("2020-xiangyang-implementation-plan.txt")


@pytest.fixture(scope="module")
def hunan():
    return load("2021-hunan-task-division-plan.txt")


@pytest.fixture(scope="module")
def lengshuitan():
    return load("2021-lengshuitan-implementation-plan.txt")


@pytest.fixture(scope="module")
def xiangtan():
    return load("2022-xiangtan-ten-key-tasks.txt")


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("2020-xiangxi-work-plan.txt", 40),
        ("2020-xiangyang-implementation-plan.txt", 31),
        ("2021-hunan-task-division-plan.txt", 63),
        ("2021-lengshuitan-implementation-plan.txt", 19),
        ("2022-xiangtan-ten-key-tasks.txt", 10),
    ],
)
def test_each_plan_has_its_tasks_numbered_once_from_one(name, count):
    plan = load(name)
    assert [t.number for t in plan.tasks] == list(range(1, count + 1))
    assert plan.warnings == []


# --------------------------------------------------------------------------- 湘西 2020


def test_xiangxi_metadata(xiangxi):
    assert xiangxi.title == "湘西自治州2020年深化“放管服”改革优化营商环境工作计划"
    assert xiangxi.doc_number == "州政发〔2020〕5号"
    assert xiangxi.issuer == "湘西自治州人民政府"
    assert xiangxi.issued_on == date(2020, 2, 22)
    assert xiangxi.year == 2020


def test_xiangxi_sections(xiangxi):
    assert [(s.numeral, s.title, s.level) for s in xiangxi.sections] == [
        ("一", "进一步提升政务服务效能", 1),
        ("二", "进一步提高公共服务质量", 1),
        ("三", "进一步降低企业综合成本", 1),
        ("四", "进一步维护公平公正市场秩序", 1),
        ("五", "进一步强化政策执行落实", 1),
    ]
    assert [task(xiangxi, n).section_index for n in (1, 8, 9, 16, 22, 34, 40)] == [
        0,
        0,
        1,
        2,
        3,
        4,
        4,
    ]


def test_xiangxi_task_1_units_and_month_end_deadline(xiangxi):
    first = task(xiangxi, 1)
    assert first.title == "加大简政放权力度"
    assert first.lead_units == ["州行政审批服务局"]
    assert first.responsible_units == [
        "州司法局",
        "州委编办",
        "州直相关单位",
        "各县市人民政府",
        "湘西经开区管委会",
    ]
    assert (first.deadline.due_on, first.deadline.text, first.deadline.source) == (
        date(2020, 6, 30),
        "6月底完成",
        DEADLINE_SOURCE_DOCUMENT,
    )


def test_xiangxi_text_is_simplified_without_pinyin_and_source_text_is_raw(xiangxi):
    first = task(xiangxi, 1)
    assert first.body.startswith("加大简政放权力度。坚持依法放权、宜放则放的原则")
    assert first.source_text.startswith("1.加大簡政放權力度。")
    assert "嚴格執(zhí)行" in first.source_text
    assert "严格执行《湖南省乡镇权力清单和责任清单》" in first.body
    assert all("(fā)" not in t.body and "(qū)" not in t.body for t in xiangxi.tasks)
    assert "(3.0版)" in task(xiangxi, 11).body
    assert "(第一批)" in task(xiangxi, 3).body


def test_xiangxi_task_3_mojibake_is_kept_and_reported(xiangxi):
    third = task(xiangxi, 3)
    assert "确?!耙患乱淮无k”" in third.body
    assert third.warnings == [GARBLED]
    assert [t.number for t in xiangxi.tasks if GARBLED in t.warnings] == [3]


def test_xiangxi_task_9_bracket_followed_by_full_stop(xiangxi):
    ninth = task(xiangxi, 9)
    assert ninth.lead_units == ["州住建局", "国网湘西供电公司"]
    assert ninth.responsible_units[-2:] == ["各县市人民政府", "湘西经开区管委会"]
    assert "吉首自来水公司" in ninth.responsible_units
    assert ninth.deadline.due_on == date(2020, 12, 31)


def test_xiangxi_task_16_full_stop_between_lead_and_responsible(xiangxi):
    sixteenth = task(xiangxi, 16)
    assert sixteenth.lead_units == ["州税务局", "州人社局"]
    assert sixteenth.responsible_units == ["各县市人民政府", "湘西经开区管委会"]
    assert sixteenth.deadline.text == "12月底完成"


def test_xiangxi_task_37_february_deadline_in_leap_year(xiangxi):
    assert task(xiangxi, 37).deadline.due_on == date(2020, 2, 29)
    assert task(xiangxi, 37).deadline.text == "2月底完成"


def test_xiangxi_other_deadlines_and_names_with_he(xiangxi):
    assert task(xiangxi, 22).deadline.due_on == date(2020, 5, 31)
    assert task(xiangxi, 31).deadline.due_on == date(2020, 4, 30)
    assert task(xiangxi, 8).lead_units == ["州自然资源和规划局"]
    assert task(xiangxi, 35).responsible_units == ["州优化办"]
    assert task(xiangxi, 29).responsible_units == [
        "州直相关部门",
        "县市人民政府",
        "湘西经开区管委会",
    ]


def test_xiangxi_closing_remark_is_not_part_of_task_40(xiangxi):
    last = task(xiangxi, 40)
    assert last.body.endswith("州政务服务中心,12月底完成)")
    assert "此外" not in last.body
    assert last.milestones == []
    assert all(t.milestones == [] for t in xiangxi.tasks)


# --------------------------------------------------------------------------- 襄阳 2020


def test_xiangyang_metadata(xiangyang):
    assert xiangyang.title == "襄阳市更大力度优化营商环境激发市场活力工作实施方案"
    assert xiangyang.doc_number == ""
    assert xiangyang.issuer == "襄阳市人民政府办公室"
    assert xiangyang.issued_on == date(2020, 6, 19)
    assert xiangyang.year == 2020


def test_xiangyang_sections_are_nested(xiangyang):
    assert [(s.numeral, s.title, s.level, s.parent_index) for s in xiangyang.sections] == [
        ("一", "总体要求", 1, None),
        ("二", "主要任务", 1, None),
        ("(一)", "打造更加规范高效的一流政务环境", 2, 1),
        ("(二)", "打造更加宽松便利的一流市场环境", 2, 1),
        ("(三)", "打造更加公平完善的一流法治环境", 2, 1),
        ("三", "组织保障", 1, None),
        ("(一)", "强化组织领导", 2, 5),
        ("(二)", "加强督办评价", 2, 5),
        ("(三)", "营造良好氛围", 2, 5),
    ]
    assert [task(xiangyang, n).section_index for n in (1, 15, 16, 23, 24, 31)] == [2, 2, 3, 3, 4, 4]


def test_xiangyang_task_1_units_default_deadline_and_milestone(xiangyang):
    first = task(xiangyang, 1)
    assert first.title == "推行政务服务线上“一网通办”"
    assert first.lead_units == ["市行政审批局"]
    assert first.responsible_units == ["市政府各部门", "各县（市、区）人民政府", "开发区管委会"]
    assert (first.deadline.due_on, first.deadline.text, first.deadline.source) == (
        date(2020, 12, 31),
        "",
        DEADLINE_SOURCE_PLAN_DEFAULT,
    )
    assert [(m.due_on, m.text) for m in first.milestones] == [
        (
            date(2020, 12, 31),
            "到2020年底前,实现市县乡村四级电子政务外网全覆盖,政务服务事项“应领尽领”,"
            "办事指南准确率100%,企业和群众不再提交政府部门核发的证照",
        )
    ]
    assert all(t.deadline.source == DEADLINE_SOURCE_PLAN_DEFAULT for t in xiangyang.tasks)


def test_xiangyang_task_3_has_two_milestones(xiangyang):
    milestones = task(xiangyang, 3).milestones
    assert [m.due_on for m in milestones] == [date(2020, 12, 31), date(2020, 12, 31)]
    assert milestones[1].text == (
        "依托“鄂汇办”和“i襄阳”APP,聚焦民生关注的高频事项,"
        "2020年底前市县两级各实现100项政务服务事项“掌上办”"
    )


def test_xiangyang_task_9_has_no_lead_unit(xiangyang):
    ninth = task(xiangyang, 9)
    assert ninth.lead_units == []
    assert ninth.responsible_units == [
        "市自然资源和规划局",
        "市住建局",
        "市交通运输局",
        "市应急管理局",
        "各县（市、区）人民政府",
        "开发区管委会",
    ]


def test_xiangyang_task_14_comma_between_lead_and_responsible(xiangyang):
    fourteenth = task(xiangyang, 14)
    assert fourteenth.lead_units == ["市自然资源和规划局", "市行政审批局"]
    assert fourteenth.responsible_units[:3] == ["市住建局", "市税务局", "国网襄阳供电公司"]


def test_xiangyang_tasks_12_and_20_units(xiangyang):
    assert task(xiangyang, 12).lead_units == ["市商务局", "襄阳海关"]
    assert task(xiangyang, 12).responsible_units[-1] == "高新区管委会"
    twentieth = task(xiangyang, 20)
    assert twentieth.lead_units == ["市地方金融局", "人行襄阳中心支行", "襄阳银保监分局"]
    assert twentieth.responsible_units[:2] == ["市财政局", "汉江国投"]
    assert [m.due_on for m in twentieth.milestones] == [date(2020, 12, 31)]
    assert twentieth.milestones[0].text.startswith("确保到2020年底,普惠型小微企业贷款增速")


def test_xiangyang_past_date_is_not_a_milestone(xiangyang):
    assert "2019年10月1日之前" in task(xiangyang, 26).body
    assert task(xiangyang, 26).milestones == []
    assert [t.number for t in xiangyang.tasks if t.milestones] == [1, 3, 20]


# --------------------------------------------------------------------------- 湖南 2021


def test_hunan_metadata_uses_the_quoted_title_not_the_misprinted_heading(hunan):
    assert hunan.title == "湖南省2021年深化“放管服”改革优化营商环境重点任务分工方案"
    assert hunan.doc_number == ""
    assert hunan.issuer == "湖南省人民政府办公厅"
    assert hunan.issued_on == date(2021, 3, 10)
    assert hunan.year == 2021


def test_hunan_sections(hunan):
    assert [s.title for s in hunan.sections] == [
        "纵深推进简政放权,放出活力和创造力",
        "持续创新监管,管出公平和质量",
        "优化升级政务服务,服出便利和实惠",
        "强化改革支撑,推动形成改革合力",
    ]
    assert [task(hunan, n).section_index for n in (17, 18, 36, 37, 60, 61, 63)] == [
        0,
        1,
        1,
        2,
        2,
        3,
        3,
    ]


def test_hunan_task_1_has_a_milestone(hunan):
    first = task(hunan, 1)
    assert first.lead_units == ["省政务局"]
    assert first.responsible_units == ["省直相关部门", "各市州人民政府"]
    assert [(m.due_on, m.text) for m in first.milestones] == [
        (date(2021, 9, 30), "2021年9月底前研究提出一批取消、下放和改变管理方式的行政权力事项")
    ]
    assert first.deadline == ParsedDeadline(date(2021, 12, 31), "", DEADLINE_SOURCE_PLAN_DEFAULT)


def test_hunan_task_3_shared_suffixes(hunan):
    third = task(hunan, 3)
    assert third.lead_units == ["省政务局", "长沙市人民政府", "岳阳市人民政府", "郴州市人民政府"]
    assert third.responsible_units == [
        "省直相关部门",
        "自贸试验区长沙片区管委会",
        "自贸试验区岳阳片区管委会",
        "自贸试验区郴州片区管委会",
    ]


def test_hunan_tasks_without_lead(hunan):
    assert task(hunan, 12).lead_units == []
    assert task(hunan, 12).responsible_units == ["省直相关部门"]
    assert task(hunan, 4).lead_units == []
    assert task(hunan, 4).responsible_units == [
        "省发展改革委",
        "省司法厅",
        "省住房城乡建设厅",
        "省自然资源厅",
        "省市场监管局",
        "省政务局",
        "省直相关部门",
        "各市州人民政府",
    ]
    assert task(hunan, 24).responsible_units == [
        "人民银行长沙中心支行",
        "湖南银保监局",
        "湖南证监局",
        "省地方金融监管局",
        "省市场监管局",
    ]


def test_hunan_unit_lists_with_deng_and_area_words(hunan):
    assert task(hunan, 10).responsible_units == ["省发展改革委", "省通信管理局", "省公安厅"]
    assert task(hunan, 19).responsible_units == [
        "省直相关部门",
        "各市州人民政府",
        "各县市区人民政府",
    ]
    assert "人民银行长沙中心支" in task(hunan, 57).responsible_units
    assert task(hunan, 9).lead_units == ["省工业和信息化厅", "省商务厅"]
    assert "省文化和旅游厅" in task(hunan, 20).responsible_units


def test_hunan_milestones(hunan):
    assert [t.number for t in hunan.tasks if t.milestones] == [1, 13, 25, 46, 50]
    assert [(m.due_on, m.text) for m in task(hunan, 50).milestones] == [
        (date(2021, 12, 31), "2021年底前实现不动产抵押登记全程网上办")
    ]
    assert task(hunan, 25).milestones[0].due_on == date(2021, 4, 30)
    assert all(t.deadline.source == DEADLINE_SOURCE_PLAN_DEFAULT for t in hunan.tasks)


# --------------------------------------------------------------------------- 冷水滩 2021


def test_lengshuitan_metadata(lengshuitan):
    assert lengshuitan.title == (
        "冷水滩区关于落实市政协常委会《关于后疫情时代优化营商环境向中共永州市委、"
        "市人民政府的建议案》领导批示的实施方案"
    )
    assert lengshuitan.doc_number == "冷优组发〔2021〕3号"
    assert lengshuitan.issuer == "永州市冷水滩区机关效能建设和优化经济发展环境工作领导小组"
    assert lengshuitan.issued_on == date(2021, 2, 1)  # not the page's 发文日期 2021-02-08
    assert lengshuitan.year == 2021


def test_lengshuitan_sections(lengshuitan):
    sections = lengshuitan.sections
    assert len(sections) == 19
    assert [(s.numeral, s.title) for s in sections[:3]] == [
        ("一", "工作目标"),
        ("二", "工作任务"),
        ("(一)", "建立政企联动新机制"),
    ]
    assert [s.parent_index for s in sections[2:10]] == [1] * 8
    assert sections[9].title == "发展夜间经济新业态"
    assert [task(lengshuitan, n).section_index for n in (1, 3, 7, 12, 19)] == [2, 3, 4, 6, 9]


def test_lengshuitan_attachment_table_creates_no_duplicates(lengshuitan):
    numbers = [t.number for t in lengshuitan.tasks]
    assert numbers == list(range(1, 20))
    assert not any("附件" in t.body or "责任分解表" in t.body for t in lengshuitan.tasks)
    assert "按照总体部署" not in task(lengshuitan, 19).body


def test_lengshuitan_task_1_units_and_explicit_year_deadline(lengshuitan):
    first = task(lengshuitan, 1)
    assert first.lead_units == ["区发改局", "区科工信局"]
    assert first.responsible_units == ["各乡镇", "街道办事处", "相关区直单位"]
    assert (first.deadline.due_on, first.deadline.text) == (date(2021, 4, 30), "2021年4月底")


def test_lengshuitan_task_4_is_ongoing(lengshuitan):
    fourth = task(lengshuitan, 4)
    assert fourth.deadline.is_ongoing
    assert fourth.deadline.due_on is None
    assert fourth.deadline.text == "立行立改,长期坚持"
    assert fourth.responsible_units == ["区司法局", "区公安分局", "区人民检察院", "区人民法院"]


def test_lengshuitan_task_14_milestone_and_deadline(lengshuitan):
    fourteenth = task(lengshuitan, 14)
    assert fourteenth.deadline.due_on == date(2021, 5, 31)
    assert [(m.due_on, m.text) for m in fourteenth.milestones] == [
        (
            date(2021, 5, 31),
            "利用现有的区位优势,加快推进永州融鑫物流产业新城项目建设,"
            "确保2021年5月底前开工,满足园区现有企业和产业转移企业物流需求",
        )
    ]


def test_lengshuitan_units_with_ji_he_and_full_stop(lengshuitan):
    assert task(lengshuitan, 5).responsible_units == ["各乡镇", "街道办事处", "相关区直单位"]
    assert task(lengshuitan, 15).responsible_units == [
        "区交通运输局",
        "区商务局",
        "区供销社",
        "区经投",
        "项目指挥部各成员单位",
    ]
    sixteenth = task(lengshuitan, 16)
    assert sixteenth.responsible_units == ["区工商联", "区高科园", "区直相关单位"]
    assert sixteenth.deadline.due_on == date(2021, 6, 30)
    assert task(lengshuitan, 7).deadline.due_on == date(2021, 6, 30)


# --------------------------------------------------------------------------- 湘潭 2022


def test_xiangtan_metadata(xiangtan):
    assert xiangtan.title == "湘潭市2022年纵深推进“放管服”改革打造“价值莲城”品牌十项重点工作"
    assert xiangtan.doc_number == ""  # (湘政办函〔2022〕19号) is cited in the preamble
    assert xiangtan.issuer == "湘潭市人民政府办公室"
    assert xiangtan.issued_on == date(2022, 4, 21)
    assert xiangtan.year == 2022


def test_xiangtan_headings_are_the_tasks(xiangtan):
    assert [s.level for s in xiangtan.sections] == [1] * 10
    assert [(t.number, t.section_index) for t in xiangtan.tasks] == [
        (n, n - 1) for n in range(1, 11)
    ]
    assert task(xiangtan, 1).title == "揭榜竞优,树立政务服务样板"
    assert task(xiangtan, 10).title == "深化改革,推动项目审批提质提效"
    assert task(xiangtan, 1).body.startswith("紧扣市委、市人民政府中心工作")
    assert task(xiangtan, 1).source_text.startswith("一、揭榜竞优,树立政务服务样板\n紧扣")
    assert "来 源" not in task(xiangtan, 10).body


def test_xiangtan_shared_responsible_units_apply_to_every_task(xiangtan):
    assert task(xiangtan, 1).lead_units == ["市行政审批局"]
    assert task(xiangtan, 1).responsible_units == [
        "市直机关各有关单位",
        "各县市区人民政府",
        "园区管委会",
    ]
    for each in xiangtan.tasks:
        assert each.responsible_units[-2:] == ["各县市区人民政府", "园区管委会"]


def test_xiangtan_task_5_units(xiangtan):
    fifth = task(xiangtan, 5)
    assert fifth.lead_units == ["市经研金融办", "人民银行市中心支行"]
    assert fifth.responsible_units == [
        "市财政局",
        "市发改委",
        "市科技局",
        "市工信局",
        "市国资委",
        "市市场监管局",
        "湘潭银保监分局",
        "各县市区人民政府",
        "园区管委会",
    ]


def test_xiangtan_deadlines_default_to_year_end(xiangtan):
    assert task(xiangtan, 3).lead_units == ["市行政审批局", "市大数据和产业创新发展中心"]
    assert {(t.deadline.due_on, t.deadline.source) for t in xiangtan.tasks} == {
        (date(2022, 12, 31), DEADLINE_SOURCE_PLAN_DEFAULT)
    }
    assert all(t.milestones == [] for t in xiangtan.tasks)

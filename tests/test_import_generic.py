"""The importer on invented documents written in the styles of the five real plans.

None of these documents exists anywhere else: they vary the wording, numbering,
brackets, encoding and script of the real ones, so a rule that only works because of
one particular file fails here.
"""

import io
from datetime import date

import pytest
from django.core.management import call_command

from regions.models import Region
from tasks.importer import DEADLINE_SOURCE_DOCUMENT, DEADLINE_SOURCE_PLAN_DEFAULT, parse_document
from tasks.importer.units import parse_unit_bracket, split_unit_names
from tasks.models import Plan

# A county plan: full-width `１、` numbering, 〔〕 brackets with and without a lead,
# `完成时限:` label, a 组织保障 section numbered again, and an attachment table.
COUNTY_PLAN = """青政办发〔2023〕12号
青山县人民政府办公室关于印发《青山县2023年深化“放管服”改革优化营商环境实施方案》的通知
各乡镇人民政府、街道办事处，县直各单位：
现将《青山县2023年深化“放管服”改革优化营商环境实施方案》印发给你们，请认真抓好落实。
青山县人民政府办公室
2023年1月18日
青山县2023年深化“放管服”改革优化营商环境实施方案
为进一步优化营商环境，结合我县实际，制定本方案。
一、指导思想
坚持以人民为中心。
二、重点任务
（一）深化简政放权
１、精简行政审批事项。全面清理县级行政许可事项，2023年3月底前公布清单。〔牵头单位：县行政审批服务局，责任单位：县司法局、县发展和改革局〕
２、推进证照分离改革。扩大告知承诺范围。〔责任单位：县市场监督管理局〕
（二）提升政务服务
３、推进“一件事一次办”。拓展高频事项。（牵头单位：县政务服务中心；责任单位：县直相关单位，各乡镇人民政府、街道办事处；完成时限：２０２３年２月底。）
４、优化不动产登记。压缩办理时间。（牵头单位：县自然资源和规划局；责任单位：县税务局、县住房和城乡建设局；完成时限：长期坚持）
三、组织保障
1、加强组织领导。县优化办统筹协调。
2、强化督查考核。纳入绩效考核。
附件：重点任务责任分解表
序号	任务	牵头单位	责任单位
1	精简行政审批事项	县行政审批服务局	县司法局
2	推进证照分离改革		县市场监督管理局
"""

# "Eight key tasks": each heading is a task; a shared-responsibility note; a leap year.
HEADING_TASKS_PLAN = """各区县人民政府，市直机关各单位：
《云江市2024年优化营商环境八项重点工作》已经市人民政府同意，现予印发，请认真贯彻执行。
云江市人民政府办公室
2024年2月6日
（此件主动公开）
云江市2024年优化营商环境
八项重点工作
为持续打造一流营商环境，现明确如下重点工作。
一、深化政务服务改革，提升办事便利度
推进政务服务标准化，6月底前实现高频事项“跨省通办”。（牵头单位：市政务服务局；责任单位：市直有关单位，各区县人民政府和园区管委会均为责任单位，以下不再列出）
二、优化项目审批，跑出建设加速度
全面推行“拿地即开工”。（牵头单位：市住房和城乡建设局、市自然资源和规划局；责任单位：市发展和改革委员会，2月底完成）
三、加强法治保障，营造公平环境
规范涉企行政执法。（牵头单位：市司法局；责任单位：市中级人民法院、市人民检察院，立行立改、长期坚持）
四、保障措施
1.加强组织领导。各单位主要负责人亲自抓。
2.强化督查考核。将落实情况纳入绩效考核。
"""

# Keyword brackets (`A牵头,B按职责分工负责`), signature at the end, no page of its own.
KEYWORD_PLAN = """关于印发星城市2021年“放管服”改革重点任务清单的通知
星政办函〔2021〕7号
各县市区人民政府，市直各单位：
现将《星城市2021年“放管服”改革重点任务清单》印发给你们，请认真组织实施。
一、持续推进简政放权
1.深化“证照分离”改革。推行改革全覆盖，2021年9月底前研究提出下放事项清单。(市市场监管局、市政务局牵头，市直相关部门及各县市区人民政府按职责分工负责)
2.规范中介服务。清理规范审批中介服务事项。(市发展改革委、市财政局等按职责分工负责)
3.优化企业开办。2021年底前全面实现全程网办。(市市场监管局牵头，市公安局、人民银行星城中心支行等有关部门按职责分工负责)
二、加强事中事后监管
4.推进跨部门联合监管。(市市场监管局牵头，各县(市、区)人民政府和园区管委会按职责分工负责，2021年6月底前完成)
5.健全信用体系。(株洲市、湘潭市、衡阳市人民政府牵头，省工业和信息化厅、州自然资源和规划局等单位按职责分工负责)
星城市人民政府办公室
2021年4月2日
"""

# Traditional characters with pinyin copied after some of them, 〔〕 and 完成時限.
TRADITIONAL_PLAN = """市人民政府辦公室關於印發(fā)白鹿市2022年優(yōu)化營商環(huán)境工作要點的通知
白政辦發(fā)〔2022〕3號
各縣市區(qū)人民政府，市直各單位：
《白鹿市2022年優(yōu)化營商環(huán)境工作要點》已經(jīng)市人民政府同意，現(xiàn)印發(fā)給你們。
白鹿市人民政府辦公室
2022年3月1日
白鹿市2022年優(yōu)化營商環(huán)境工作要點
一、提升政務服務水平
1.推進政務服務“一網(wǎng)通辦”。2022年6月底前實現(xiàn)全覆蓋。（牽頭單位：市行政審批局；責任單位：市發(fā)展和改革委員會，各縣市區(qū)人民政府，9月底完成）
2.深化工程建設項目審批制度改革。〔責任單位：市住房和城鄉(xiāng)建設局、市自然資源和規劃局；完成時限：2022年12月〕
"""

# Numbering that starts again at 1 under every heading; `。` between lead and
# responsible units; `完成时间:`; `A牵头,B配合`.
RESTARTING_PLAN = """鹤岭县优化营商环境领导小组办公室关于印发《鹤岭县2025年营商环境提升行动方案》的通知
鹤优办发〔2025〕1号
各乡镇人民政府，县直各单位：
现将《鹤岭县2025年营商环境提升行动方案》印发给你们，请遵照执行。
鹤岭县优化营商环境领导小组办公室
2025年1月6日
鹤岭县2025年营商环境提升行动方案
一、主要任务
（一）政务环境提升
1．推行帮办代办。建立帮办代办队伍。（牵头单位：县政务服务中心。责任单位：各乡镇人民政府，3月底完成）
2．深化“一业一证”。（牵头单位：县行政审批服务局。责任单位：县市场监管局；完成时间：2025年12月31日前）
（二）法治环境提升
1．规范涉企检查。推行“综合查一次”。（牵头单位：县司法局。责任单位：县直有关执法部门；完成时间：持续推进）
2．加强知识产权保护。（县市场监管局牵头，县公安局、县人民法院配合）
二、保障措施
1．加强领导。
"""

# A town plan with no notice: 文号 in brackets under the title, the signature at the
# end, and a bracket whose labels lost their colons.
TOWN_PLAN = """松江镇2024年营商环境优化工作方案
（松政发〔2024〕2号）
为深入推进营商环境优化，制定本方案。
一、工作目标
全年完成改革任务20项。
二、工作任务
1、推进便民服务中心标准化建设。(镇党政办牵头,2024年9月底前完成)
2、开展企业走访。每月走访企业不少于10家。(镇经济发展办牵头,各村(社区)按职责分工负责,常态化开展)
3、优化涉企服务。2024年6月30日前配齐服务专员。(牵头单位 镇经济发展办 责任单位 镇财政所)
三、工作要求
各单位要高度重视。
松江镇人民政府
2024年3月8日
"""


def parse(text: str):
    return parse_document(text)


def task(plan, number: int):
    return next(t for t in plan.tasks if t.number == number)


# --------------------------------------------------------------------------- county plan


def test_county_plan_metadata():
    plan = parse(COUNTY_PLAN)
    assert plan.title == "青山县2023年深化“放管服”改革优化营商环境实施方案"
    assert plan.doc_number == "青政办发〔2023〕12号"
    assert plan.issuer == "青山县人民政府办公室"
    assert (plan.issued_on, plan.year) == (date(2023, 1, 18), 2023)


def test_county_plan_full_width_dun_numbering_without_the_attachment_or_closing_points():
    plan = parse(COUNTY_PLAN)
    assert [(t.number, t.title) for t in plan.tasks] == [
        (1, "精简行政审批事项"),
        (2, "推进证照分离改革"),
        (3, "推进“一件事一次办”"),
        (4, "优化不动产登记"),
    ]
    assert plan.warnings == []


def test_county_plan_square_brackets_with_and_without_lead():
    plan = parse(COUNTY_PLAN)
    assert task(plan, 1).lead_units == ["县行政审批服务局"]
    assert task(plan, 1).responsible_units == ["县司法局", "县发展和改革局"]
    assert task(plan, 2).lead_units == []
    assert task(plan, 2).responsible_units == ["县市场监督管理局"]


def test_county_plan_deadline_label_with_full_width_digits_and_ongoing():
    plan = parse(COUNTY_PLAN)
    deadline = task(plan, 3).deadline
    assert (deadline.due_on, deadline.text, deadline.source) == (
        date(2023, 2, 28),
        "2023年2月底",
        DEADLINE_SOURCE_DOCUMENT,
    )
    assert task(plan, 3).responsible_units == ["县直相关单位", "各乡镇人民政府", "街道办事处"]
    assert (task(plan, 4).deadline.is_ongoing, task(plan, 4).deadline.due_on) == (True, None)
    assert task(plan, 1).deadline.source == DEADLINE_SOURCE_PLAN_DEFAULT
    [milestone] = task(plan, 1).milestones
    assert milestone.due_on == date(2023, 3, 31)
    assert milestone.text.endswith("2023年3月底前公布清单")


# --------------------------------------------------------------------------- heading tasks


def test_heading_tasks_are_found_even_with_numbered_points_under_safeguards():
    plan = parse(HEADING_TASKS_PLAN)
    assert plan.title == "云江市2024年优化营商环境八项重点工作"
    assert [(t.number, t.title) for t in plan.tasks] == [
        (1, "深化政务服务改革，提升办事便利度"),
        (2, "优化项目审批，跑出建设加速度"),
        (3, "加强法治保障，营造公平环境"),
    ]


def test_heading_tasks_shared_note_spreads_to_every_later_task():
    plan = parse(HEADING_TASKS_PLAN)
    assert task(plan, 1).responsible_units == ["市直有关单位", "各区县人民政府", "园区管委会"]
    assert task(plan, 2).responsible_units == ["市发展和改革委员会", "各区县人民政府", "园区管委会"]
    assert task(plan, 3).responsible_units[-2:] == ["各区县人民政府", "园区管委会"]


def test_heading_tasks_leap_year_month_end_and_ongoing_pair():
    plan = parse(HEADING_TASKS_PLAN)
    assert task(plan, 2).deadline.due_on == date(2024, 2, 29)
    assert task(plan, 3).deadline.is_ongoing
    assert task(plan, 3).deadline.text == "立行立改、长期坚持"
    assert [m.due_on for m in task(plan, 1).milestones] == [date(2024, 6, 30)]


# --------------------------------------------------------------------------- keyword style


def test_keyword_plan_signed_at_the_end():
    plan = parse(KEYWORD_PLAN)
    assert plan.title == "星城市2021年“放管服”改革重点任务清单"
    assert plan.doc_number == "星政办函〔2021〕7号"
    assert (plan.issuer, plan.issued_on) == ("星城市人民政府办公室", date(2021, 4, 2))
    assert [t.number for t in plan.tasks] == [1, 2, 3, 4, 5]


def test_keyword_plan_units():
    plan = parse(KEYWORD_PLAN)
    assert task(plan, 1).lead_units == ["市市场监管局", "市政务局"]
    assert task(plan, 1).responsible_units == ["市直相关部门", "各县市区人民政府"]
    # `A、B等按职责分工负责`: no lead, everyone responsible.
    assert (task(plan, 2).lead_units, task(plan, 2).responsible_units) == (
        [],
        ["市发展改革委", "市财政局"],
    )
    # `等` closes the list, `A等有关部门` keeps the group.
    assert task(plan, 3).responsible_units == ["市公安局", "人民银行星城中心支行", "有关部门"]
    # Parentheses belong to the name; 和 between two whole names splits.
    assert task(plan, 4).responsible_units == ["各县（市、区）人民政府", "园区管委会"]
    # A shared suffix spreads; 和 inside a name does not split; `等单位` adds no unit.
    assert task(plan, 5).lead_units == ["株洲市人民政府", "湘潭市人民政府", "衡阳市人民政府"]
    assert task(plan, 5).responsible_units == ["省工业和信息化厅", "州自然资源和规划局"]


def test_keyword_plan_explicit_year_deadline_and_milestones():
    plan = parse(KEYWORD_PLAN)
    assert (task(plan, 4).deadline.due_on, task(plan, 4).deadline.text) == (
        date(2021, 6, 30),
        "2021年6月底前完成",
    )
    assert [m.due_on for m in task(plan, 1).milestones] == [date(2021, 9, 30)]
    assert [m.due_on for m in task(plan, 3).milestones] == [date(2021, 12, 31)]


# --------------------------------------------------------------------------- traditional


def test_traditional_plan_with_pinyin_is_simplified():
    plan = parse(TRADITIONAL_PLAN)
    assert plan.title == "白鹿市2022年优化营商环境工作要点"
    assert plan.doc_number == "白政办发〔2022〕3号"
    assert plan.issuer == "白鹿市人民政府办公室"
    first = task(plan, 1)
    assert first.title == "推进政务服务“一网通办”"
    assert "(fā)" not in first.body and "發" not in first.body
    assert "通辦" in first.source_text  # the raw text stays as written
    assert first.lead_units == ["市行政审批局"]
    assert first.responsible_units == ["市发展和改革委员会", "各县市区人民政府"]
    assert first.deadline.due_on == date(2022, 9, 30)


def test_traditional_plan_square_bracket_with_deadline_label_and_no_lead():
    second = task(parse(TRADITIONAL_PLAN), 2)
    assert second.lead_units == []
    assert second.responsible_units == ["市住房和城乡建设局", "市自然资源和规划局"]
    assert (second.deadline.due_on, second.deadline.text) == (date(2022, 12, 31), "2022年12月")


# --------------------------------------------------------------------------- restarting numbers


def test_numbering_restarting_under_each_heading_keeps_every_task():
    plan = parse(RESTARTING_PLAN)
    assert [(t.number, t.title, t.section_index) for t in plan.tasks] == [
        (1, "推行帮办代办", 1),
        (2, "深化“一业一证”", 1),
        (3, "规范涉企检查", 2),
        (4, "加强知识产权保护", 2),
    ]
    assert any("分别编号" in warning for warning in plan.warnings)


def test_restarting_plan_units_and_deadline_labels():
    plan = parse(RESTARTING_PLAN)
    assert (task(plan, 1).lead_units, task(plan, 1).responsible_units) == (
        ["县政务服务中心"],
        ["各乡镇人民政府"],
    )
    assert task(plan, 1).deadline.due_on == date(2025, 3, 31)
    assert task(plan, 2).deadline.due_on == date(2025, 12, 31)
    assert task(plan, 2).deadline.source == DEADLINE_SOURCE_DOCUMENT
    assert task(plan, 3).deadline.is_ongoing
    assert (task(plan, 4).lead_units, task(plan, 4).responsible_units) == (
        ["县市场监管局"],
        ["县公安局", "县人民法院"],
    )


def test_a_table_repeating_the_tasks_is_not_mistaken_for_restarted_numbering():
    body = (
        "某某市人民政府\n2021年3月1日\n一、任务\n"
        "1.推进改革。内容。(牵头单位:区发改局)\n2.优化服务。内容。(牵头单位:区政务局)\n"
        "二、重点任务分解表\n1.推进改革。(牵头单位:区发改局)\n2.优化服务。(牵头单位:区政务局)\n"
    )
    plan = parse(body)
    assert [t.number for t in plan.tasks] == [1, 2]
    assert "内容" in task(plan, 2).body
    assert any("重复" in warning for warning in plan.warnings)


# --------------------------------------------------------------------------- town plan


def test_town_plan_title_stops_before_the_bracketed_doc_number():
    plan = parse(TOWN_PLAN)
    assert plan.title == "松江镇2024年营商环境优化工作方案"
    assert plan.doc_number == "松政发〔2024〕2号"
    assert (plan.issuer, plan.issued_on, plan.year) == ("松江镇人民政府", date(2024, 3, 8), 2024)


def test_town_plan_lead_only_brackets_and_labels_without_colons():
    plan = parse(TOWN_PLAN)
    assert (task(plan, 1).lead_units, task(plan, 1).responsible_units) == (["镇党政办"], [])
    assert task(plan, 1).deadline.due_on == date(2024, 9, 30)
    assert task(plan, 2).responsible_units == ["各村（社区）"]
    assert task(plan, 2).deadline.is_ongoing
    assert (task(plan, 3).lead_units, task(plan, 3).responsible_units) == (
        ["镇经济发展办"],
        ["镇财政所"],
    )


def test_labels_without_colons_do_not_swallow_a_shared_note():
    bracket = parse_unit_bracket("牵头单位:市政务局;责任单位:市直各单位均为责任单位,以下不再列出")
    assert bracket.responsible_units == ["市直各单位"]
    assert bracket.carried_units == ["市直各单位"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("市发改委、市财政局等单位", ["市发改委", "市财政局"]),
        ("市发改委等10个部门", ["市发改委"]),
        ("市发改委等有关部门", ["市发改委", "有关部门"]),
    ],
)
def test_deng_followed_by_a_bare_word_adds_no_unit(text, names):
    assert split_unit_names(text) == names


# --------------------------------------------------------------------------- through the command


@pytest.mark.django_db
def test_gb18030_traditional_document_loads_through_the_command(tmp_path):
    # Places of these documents are not in the shipped list: loaded like an office would.
    Region.objects.create(name="白鹿市", level="city")
    Region.objects.create(name="鹤岭县", level="county")
    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "bailu-2022.txt").write_bytes(TRADITIONAL_PLAN.encode("gb18030"))
    (folder / "heling-2025.txt").write_text(RESTARTING_PLAN, encoding="utf-8")
    out = io.StringIO()
    call_command("load_policies", str(folder), "--aliases", "", stdout=out)

    bailu = Plan.objects.get(source_file="bailu-2022.txt")
    assert bailu.title == "白鹿市2022年优化营商环境工作要点"
    assert bailu.source_text == TRADITIONAL_PLAN
    first = bailu.tasks.get(number=1)
    assert first.deadline.due_on == date(2022, 9, 30)
    assert [unit.name for unit in first.lead_units] == ["市行政审批局"]
    assert [unit.name for unit in first.responsible_units] == [
        "市发展和改革委员会",
        "各县市区人民政府",
    ]
    assert Plan.objects.get(source_file="heling-2025.txt").tasks.count() == 4
    assert "任务 4 项" in out.getvalue() and "分别编号" in out.getvalue()


# --------------------------------------------------------------------------- labelled lines

LABELLED_LINES_PLAN = """某某区人民政府
2023年5月1日
一、重点任务
1.推进“证照分离”改革。全面推行告知承诺制，2023年6月底前完成事项梳理。
牵头单位：区市场监管局
责任单位：区司法局、区政务服务中心
完成时限：2023年9月底
2.深化“一件事一次办”。
牵头单位：区政务服务中心
完成时间：长期坚持
3.优化水电气报装。压缩办理时间。（牵头单位：区住建局；责任单位：区供电公司）
完成时限：2023年10月底
此外，各单位要及时报送进展。
二、工作要求
各单位要高度重视。
"""


def test_units_and_deadline_on_lines_of_their_own_under_the_task():
    plan = parse(LABELLED_LINES_PLAN)
    first = task(plan, 1)
    assert first.title == "推进“证照分离”改革"
    assert (first.lead_units, first.responsible_units) == (
        ["区市场监管局"],
        ["区司法局", "区政务服务中心"],
    )
    assert (first.deadline.due_on, first.deadline.text) == (date(2023, 9, 30), "2023年9月底")
    assert [m.due_on for m in first.milestones] == [date(2023, 6, 30)]
    assert first.body.endswith("\n完成时限：2023年9月底")
    assert task(plan, 2).lead_units == ["区政务服务中心"]
    assert task(plan, 2).deadline.is_ongoing


def test_deadline_line_after_a_bracket_belongs_to_the_task_but_closing_text_does_not():
    third = task(parse(LABELLED_LINES_PLAN), 3)
    assert (third.lead_units, third.responsible_units) == (["区住建局"], ["区供电公司"])
    assert third.deadline.due_on == date(2023, 10, 31)
    assert "此外" not in third.body

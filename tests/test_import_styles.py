"""Styles seen in real plans of other provinces, covered by generic rules (plain strings)."""

from datetime import date

import pytest

from tasks.importer import DocumentError, parse_document
from tasks.importer.document import WARNING_NO_LEAD

HEADER = "某县2021年优化营商环境工作方案\n"


def units(text: str) -> list[tuple]:
    return [(t.number, t.lead_units, t.responsible_units) for t in parse_document(text).tasks]


def test_tasks_numbered_with_parenthesised_chinese_numerals_when_there_are_no_arabic_items():
    plan = parse_document(
        HEADER + "一、提升政务服务\n(一)推进一网通办。\n牵头单位:县政务中心\n完成时限:2021年6月底\n"
        "(二)压缩审批时间。\n责任单位:县发改局、县财政局\n"
        "二、优化要素\n(三)降低用地成本。(牵头单位:县自然资源局)\n"
    )
    assert [(t.number, t.title, t.lead_units) for t in plan.tasks] == [
        (1, "推进一网通办", ["县政务中心"]),
        (2, "压缩审批时间", []),
        (3, "降低用地成本", ["县自然资源局"]),
    ]
    assert plan.tasks[0].deadline.due_on == date(2021, 6, 30)


def test_numbered_sub_points_stay_inside_their_task():
    plan = parse_document(
        HEADER
        + "一、提升政务服务\n1.推进一网通办。\n(1)建设平台;\n(2)整合窗口。\n(牵头单位:县政务中心)\n"
        "2.压缩审批时间。(牵头单位:县发改局)\n"
    )
    assert [t.number for t in plan.tasks] == [1, 2]
    assert "(1)建设平台" in plan.tasks[0].body and "(2)整合窗口" in plan.tasks[0].body


def test_numbered_sub_points_are_the_tasks_when_the_document_has_nothing_else():
    assert units(
        HEADER + "一、提升政务服务\n(1)推进一网通办。(牵头单位:县政务中心)\n"
        "(2)压缩审批时间。(牵头单位:县发改局)\n二、优化要素\n(3)降低用地成本。(牵头单位:县自然资源局)\n"
    ) == [(1, ["县政务中心"], []), (2, ["县发改局"], []), (3, ["县自然资源局"], [])]


def test_unit_and_deadline_labels_on_their_own_lines_after_a_task():
    plan = parse_document(
        HEADER + "一、提升政务服务\n1.推进一网通办。\n牵头单位:县政务中心\n责任单位:县直各部门\n"
        "完成时限:2021年6月底\n2.压缩审批时间。\n牵头单位:县发改局\n时限要求:持续推进\n"
    )
    first, second = plan.tasks
    assert (first.lead_units, first.responsible_units) == (["县政务中心"], ["县直各部门"])
    assert first.deadline.due_on == date(2021, 6, 30)
    assert second.deadline.is_ongoing and second.deadline.text == "持续推进"


def test_cooperating_and_participating_units_are_responsible_units():
    assert units(
        HEADER + "一、提升\n1.推进一网通办。(牵头单位:县政务中心;配合单位:县发改局)\n"
        "2.压缩审批。(牵头单位:县发改局;协办单位:县财政局;参与单位:县税务局)\n"
    ) == [(1, ["县政务中心"], ["县发改局"]), (2, ["县发改局"], ["县财政局", "县税务局"])]


@pytest.mark.parametrize(
    "bracket",
    ["(县财政局牵头,县税务局参与)", "(县财政局(牵头)、县税务局)", "(县财政局牵头负责,县税务局参与)",
     "(责任单位:县财政局(牵头)、县税务局)"],
)  # fmt: skip
def test_lead_written_after_its_name(bracket):
    assert units(HEADER + f"一、提升\n1.降低成本。{bracket}\n") == [(1, ["县财政局"], ["县税务局"])]


def test_stated_convention_first_responsible_unit_leads_the_tasks_after_it():
    plan = parse_document(
        HEADER + "一、提升\n1.推进一网通办。(责任单位:县政务中心、县发改局)\n"
        "说明:以下各项任务中,第一责任单位为牵头单位。\n"
        "2.压缩审批。(责任单位:县财政局、县税务局)\n"
    )
    assert [(t.lead_units, t.responsible_units) for t in plan.tasks] == [
        ([], ["县政务中心", "县发改局"]),
        (["县财政局"], ["县税务局"]),
    ]
    assert WARNING_NO_LEAD in plan.tasks[0].warnings and not plan.tasks[1].warnings


@pytest.mark.parametrize(
    "note",
    [
        "各乡镇人民政府、县直有关单位均需按照职责抓好以下各项任务落实,不再单独列出。",
        "各乡镇人民政府、县直有关单位为各项任务的责任单位,以下不再列出。",
        "各乡镇人民政府、县直有关单位均要结合实际抓好以下所有任务落实。",
    ],
)
def test_units_named_once_for_all_following_tasks(note):
    assert units(
        HEADER + f"一、提升\n{note}\n1.推进一网通办。(牵头单位:县政务中心)\n"
        "2.压缩审批。(牵头单位:县财政局;责任单位:县税务局)\n"
    ) == [
        (1, ["县政务中心"], ["各乡镇人民政府", "县直有关单位"]),
        (2, ["县财政局"], ["县税务局", "各乡镇人民政府", "县直有关单位"]),
    ]


def test_debris_at_line_starts_left_by_web_copies_is_ignored():
    plan = parse_document(
        HEADER + "一、提升\n??1.推进一网通办。(牵头单位:县政务中心)\n"
        "&#12288;&#12288;2.压缩审批。(牵头单位:县财政局)\n• 3.降低成本。(牵头单位:县税务局)\n"
        "   4.优化服务。(牵头单位:县人社局)\n"
    )
    assert [(t.number, t.title) for t in plan.tasks] == [
        (1, "推进一网通办"),
        (2, "压缩审批"),
        (3, "降低成本"),
        (4, "优化服务"),
    ]


def test_table_rendered_as_text_one_cell_per_line():
    plan = parse_document(
        HEADER + "序号\n重点任务\n牵头单位\n责任单位\n完成时限\n"
        "1\n推进一网通办\n县政务中心\n县发改局\n2021年6月底\n"
        "2\n压缩审批时间\n县财政局\n持续推进\n"  # the 责任单位 cell is empty
        "3\n降低用地成本,\n规范收费\n县自然资源局\n县财政局\n2021年9月底\n"  # content over two lines
    )
    assert [
        (t.number, t.title, t.lead_units, t.responsible_units, t.deadline.due_on)
        for t in plan.tasks
    ] == [
        (1, "推进一网通办", ["县政务中心"], ["县发改局"], date(2021, 6, 30)),
        (2, "压缩审批时间", ["县财政局"], [], None),
        (3, "降低用地成本,规范收费", ["县自然资源局"], ["县财政局"], date(2021, 9, 30)),
    ]
    assert plan.tasks[1].deadline.is_ongoing


def test_year_from_the_title_before_the_doc_number_and_date():
    plan = parse_document(
        "某县2021年优化营商环境工作方案\n某政〔2020〕9号\n2020年12月30日\n"
        "一、提升\n1.推进一网通办。(牵头单位:县政务中心;完成时限:6月底)\n"
    )
    assert plan.year == 2021 and plan.tasks[0].deadline.due_on == date(2021, 6, 30)


def test_year_is_never_taken_from_today():
    with pytest.raises(DocumentError, match="没有写明方案年度"):
        parse_document("优化营商环境工作方案\n一、提升\n1.推进一网通办。(牵头单位:县政务中心)\n")


def test_monthly_reporting_rule_is_not_an_ongoing_deadline():
    plan = parse_document(
        HEADER
        + "一、提升\n1.推进一网通办,每月5日前报送工作进展。(牵头单位:县政务中心;完成时限:2021年6月底)\n"
        "2.压缩审批。(牵头单位:县财政局;完成时限:每月5日前报送进展情况)\n"
    )
    first, second = plan.tasks
    assert first.deadline.due_on == date(2021, 6, 30) and not first.deadline.is_ongoing
    assert not second.deadline.is_ongoing and second.deadline.due_on == date(2021, 12, 31)
    assert first.reporting_rules == ["每月5日前报送工作进展"]
    assert second.reporting_rules == ["每月5日前报送进展情况"]
    assert not second.warnings


def test_starred_item_numbers_as_printed_for_new_measures():
    plan = parse_document(
        HEADER + "一、企业开办\n1* .开展“一证多址”改革。(牵头单位:区市场监管局)\n"
        "2*.开展企业住所标准化登记。(牵头单位:区市场监管局;责任单位:区政务服务数据管理局)\n"
    )
    assert [(t.number, t.title) for t in plan.tasks] == [
        (1, "开展“一证多址”改革"),
        (2, "开展企业住所标准化登记"),
    ]

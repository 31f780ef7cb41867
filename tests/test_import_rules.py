"""Import rules on small hand-written strings (pure Python, no database)."""

from datetime import date

import pytest

from tasks.importer import (
    DEADLINE_SOURCE_DOCUMENT,
    DEADLINE_SOURCE_PLAN_DEFAULT,
    DocumentError,
    is_collective_unit_name,
    normalise_unit_name,
    parse_document,
    read_document,
)
from tasks.importer.deadlines import find_milestones, parse_deadline, plan_default_deadline
from tasks.importer.metadata import extract_metadata
from tasks.importer.structure import match_heading, match_item, parse_structure
from tasks.importer.text import (
    chinese_numeral_value,
    clean_line,
    has_garbled_text,
    is_page_chrome,
    split_lines,
    strip_pinyin,
)
from tasks.importer.units import find_unit_bracket, parse_unit_bracket, split_unit_names

HEADER = "某某市人民政府\n2021年3月1日\n"


def parse_body(body: str, header: str = HEADER):
    """Parse a plan made of a minimal header and the given body."""
    return parse_document(header + body)


# --------------------------------------------------------------------------- reading files


def test_read_document_decodes_utf8(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes("1.推进改革。".encode())
    assert read_document(path) == "1.推进改革。"


def test_read_document_strips_utf8_bom(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "湘西州".encode())
    assert read_document(path) == "湘西州"


def test_read_document_falls_back_to_gb18030(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes("州行政审批服务局牵头".encode("gb18030"))
    assert read_document(path) == "州行政审批服务局牵头"


def test_read_document_reports_missing_file(tmp_path):
    with pytest.raises(DocumentError, match="不存在"):
        read_document(tmp_path / "missing.txt")


def test_read_document_reports_directory(tmp_path):
    with pytest.raises(DocumentError, match="文件夹"):
        read_document(tmp_path)


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n", "\u3000\n".encode()])
def test_read_document_reports_empty_or_blank_file(tmp_path, content):
    path = tmp_path / "plan.txt"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match="为空"):
        read_document(path)


def test_read_document_reports_nul_bytes(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes("任务".encode() + b"\x00\x01\x02")
    with pytest.raises(DocumentError, match="空字节"):
        read_document(path)


def test_read_document_reports_bytes_that_are_neither_utf8_nor_gb18030(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes(b"\xff\xfe\xfd\x80\x80")
    with pytest.raises(DocumentError, match="编码"):
        read_document(path)


def test_read_document_reports_binary_formats(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    with pytest.raises(DocumentError, match="PDF"):
        read_document(path)


def test_read_document_reports_control_characters(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes(b"\x01\x02\x03\x04\x05abc\x06\x07\x08")
    with pytest.raises(DocumentError, match="二进制"):
        read_document(path)


# --------------------------------------------------------------------------- cleaning text


def test_pinyin_after_characters_is_removed():
    assert strip_pinyin("州政發(fā)〔2020〕5號") == "州政發〔2020〕5號"
    assert strip_pinyin("湘西經(jīng)開區(qū)管委會") == "湘西經開區管委會"
    assert strip_pinyin("嚴格執(zhí)行") == "嚴格執行"


@pytest.mark.parametrize(
    "text",
    [
        "移动应用程序(APP)",
        "总入口(PC端)",
        "服务规范(3.0版)",
        "电子证照事项(第一批)",
        "信用中国(湖南)",
    ],
)
def test_parentheses_that_are_not_pinyin_are_kept(text):
    assert strip_pinyin(text) == text


def test_clean_line_converts_traditional_to_simplified_after_removing_pinyin():
    assert clean_line("優(yōu)化營商環(huán)境") == "优化营商环境"


def test_clean_line_strips_nul_and_html_fragments_and_full_width_digits():
    assert clean_line("牵头单位 ⠂ ⠼/span>") == "牵头单位"
    assert clean_line("<span>任务</span>\x00") == "任务"
    assert clean_line("１．推进改革") == "1．推进改革"


def test_clean_line_keeps_nested_title_marks():
    text = "《贯彻执行<优化营商环境条例>责任分工表》"
    assert clean_line(text) == text


@pytest.mark.parametrize(
    "line",
    [
        "您当前的位置:首页 > 政策法规",
        "发布日期:2020-06-19 查看次数:14797 次",
        "分享到:",
        "索引号: 4311030021/2021-04400 分类:",
        "网站首页   平台简介   服务范围",
        "主办单位:湖北省中小企业服务中心",
        "地址:武汉市武昌区徐东大街338号",
        "邮编:430077  鄂ICP备13003460号-3",
        "鄂公网安备 42010602001713号",
        "扫一扫在手机打开当前页",
        "【打印本页】 【关闭窗口】",
        "来 源:湘潭市人民政府办公室 责任编辑:欧阳予慧",
        "文号 : 冷优组发〔2021〕3号",
    ],
)
def test_page_chrome_lines_are_recognised(line):
    assert is_page_chrome(line)


@pytest.mark.parametrize(
    "line",
    [
        "1.加大简政放权力度。(牵头单位:州行政审批服务局;责任单位:州司法局,6月底完成)",
        "一、进一步提升政务服务效能",
        "湘西自治州人民政府",
        "2020年2月22日",
    ],
)
def test_document_lines_are_not_page_chrome(line):
    assert not is_page_chrome(line)


def test_mojibake_is_detected():
    assert has_garbled_text("确?!耙患乱淮无k”在州、县两级政务中心全覆盖")
    assert has_garbled_text("无法识别\ufffd的字符")
    assert has_garbled_text("私用区\ue001字符")


@pytest.mark.parametrize(
    "text",
    [
        "推进政务服务一体化平台APP建设,实现“一网通办”。",
        "服务规范(3.0版),压缩至4个工作日内。",
        "是否满意?",
        "问题? 请核实",
    ],
)
def test_normal_text_is_not_reported_as_mojibake(text):
    assert not has_garbled_text(text)


def test_chinese_numerals_have_their_values():
    assert [chinese_numeral_value(n) for n in ("一", "九", "十", "十一", "二十三")] == [
        1,
        9,
        10,
        11,
        23,
    ]
    assert chinese_numeral_value("二〇二〇") == 2020
    assert chinese_numeral_value("甲") is None


# --------------------------------------------------------------------------- metadata


def metadata_of(text: str):
    return extract_metadata(split_lines(text))


def test_title_is_taken_from_the_quotation_in_the_notice():
    meta = metadata_of(
        "《湖南省2021年深化改革方案》已经省人民政府同意,现印发给你们。\n"
        "湖南省人民政府办公厅\n2021年3月10日\n湖南省年深化改革方案\n一、任务\n"
    )
    assert meta.title == "湖南省2021年深化改革方案"
    assert meta.year == 2021


def test_nested_angle_brackets_in_a_quoted_title_become_title_marks():
    meta = metadata_of(
        "关于印发《某区关于落实<关于优化营商环境的建议案>的实施方案》的通知\n"
        "某区领导小组\n2021年2月1日\n"
    )
    assert meta.title == "某区关于落实《关于优化营商环境的建议案》的实施方案"


def test_title_falls_back_to_a_heading_split_over_two_lines():
    meta = metadata_of(
        "某市人民政府办公室\n2022年4月21日\n(此件主动公开)\n某市2022年纵深推进改革\n"
        "打造品牌十项重点工作\n为全面深化改革,制定本方案。\n一、揭榜竞优\n"
    )
    assert meta.title == "某市2022年纵深推进改革打造品牌十项重点工作"
    assert meta.year == 2022


def test_doc_number_comes_from_the_header_not_from_documents_cited_later():
    meta = metadata_of(
        "某政发〔2020〕5号\n某州人民政府\n2020年2月22日\n某州工作计划\n"
        "根据《条例》(国令第722号)和(湘政办发〔2019〕56号)精神,制定本计划。\n"
    )
    assert meta.doc_number == "某政发〔2020〕5号"


def test_a_plan_without_doc_number_in_its_header_has_none():
    meta = metadata_of(
        "某市人民政府办公室\n2022年4月21日\n某市工作方案\n根据《方案》(湘政办函〔2022〕19号)精神。\n"
    )
    assert meta.doc_number == ""


def test_a_broken_doc_number_is_tolerated_when_no_well_formed_one_exists():
    meta = metadata_of("冷优组发2021〕3\n某区领导小组\n2021年2月1日\n")
    assert meta.doc_number == "冷优组发〔2021〕3号"
    assert any("文号" in warning for warning in meta.warnings)


def test_a_well_formed_doc_number_is_preferred_over_a_broken_copy():
    meta = metadata_of(
        "名称: 某区实施方案(冷优组发〔2021〕3号)\n冷优组发2021〕3\n某区领导小组\n2021年2月1日\n"
    )
    assert meta.doc_number == "冷优组发〔2021〕3号"


def test_issuer_is_the_signature_line_above_the_signing_date():
    meta = metadata_of(
        "《某州工作计划》已经同意,现印发给你们。\n某某自治州人民政府\n2020年2月22日\n"
    )
    assert meta.issuer == "某某自治州人民政府"
    assert meta.issued_on == date(2020, 2, 22)


def test_issuer_comes_from_the_notice_title_prefixed_with_the_place_of_the_plan():
    meta = metadata_of(
        "市人民政府办公室关于印发襄樊市营商环境实施方案的通知\n"
        "《襄樊市营商环境实施方案》已经市政府同意,现印发给你们,请遵照执行。\n"
        "2020年6月19日\n"
    )
    assert meta.title == "襄樊市营商环境实施方案"
    assert meta.issuer == "襄樊市人民政府办公室"
    assert meta.year == 2020  # no year in the title: the signing date's


def test_signing_date_ignores_web_page_publication_dates():
    meta = metadata_of(
        "发文日期: 2021-02-08\n发布日期:2021-02-09\n某区领导小组\n二〇二一年二月一日\n"
    )
    assert meta.issued_on == date(2021, 2, 1)


def test_year_comes_from_the_plan_title_before_the_signing_date():
    meta = metadata_of("《某州2020年工作计划》已经同意,现印发。\n某州人民政府\n2019年12月30日\n")
    assert meta.year == 2020


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize(
    ("line", "number"),
    [("1.推进改革", 1), ("12、深化改革", 12), ("3．优化服务", 3), ("１．推进改革", 1)],
)
def test_numbered_items_are_recognised(line, number):
    assert match_item(clean_line(line))[0] == number


@pytest.mark.parametrize(
    "line", ["3.0版系统上线", "0 4千伏及以下用户", "2020年底前完成", "1、2月份完成"]
)
def test_body_text_starting_with_digits_is_not_an_item(line):
    assert match_item(line) is None


def test_headings_of_both_levels_are_recognised_with_text_on_the_same_line():
    assert match_heading("一、进一步提升政务服务效能") == (1, "一", "进一步提升政务服务效能", "")
    assert match_heading("(一)强化组织领导。成立领导小组。") == (
        2,
        "(一)",
        "强化组织领导",
        "成立领导小组。",
    )
    assert match_heading("（十一）加强监管")[:3] == (2, "（十一）", "加强监管")


def test_tasks_belong_to_the_deepest_heading_above_them():
    plan = parse_body(
        "一、总体要求\n坚持问题导向。\n二、主要任务\n(一)政务环境\n"
        "1.推进网办。内容。(牵头单位:市政务局)\n(二)市场环境\n2.放宽准入。内容。(牵头单位:市发改委)\n"
        "三、组织保障\n(一)强化组织领导。成立领导小组,负责统筹。\n"
    )
    titles = [(s.numeral, s.title, s.level, s.parent_index) for s in plan.sections]
    assert titles == [
        ("一", "总体要求", 1, None),
        ("二", "主要任务", 1, None),
        ("(一)", "政务环境", 2, 1),
        ("(二)", "市场环境", 2, 1),
        ("三", "组织保障", 1, None),
        ("(一)", "强化组织领导", 2, 4),
    ]
    assert [(t.number, t.section_index) for t in plan.tasks] == [(1, 2), (2, 3)]


def test_task_title_is_the_leading_phrase_before_the_first_full_stop():
    plan = parse_body("一、任务\n1.加大简政放权力度。坚持依法放权。(牵头单位:市政务局)\n")
    assert plan.tasks[0].title == "加大简政放权力度"


def test_task_spanning_several_lines_joins_until_its_unit_bracket():
    plan = parse_body(
        "一、任务\n1.推进改革。第一行内容,\n第二行内容。\n(牵头单位:市政务局;责任单位:市财政局)\n"
        "此外,各地要抓好落实,2021年9月底前报送方案。\n"
    )
    task = plan.tasks[0]
    assert task.body == "推进改革。第一行内容,第二行内容。(牵头单位:市政务局;责任单位:市财政局)"
    assert task.source_text.count("\n") == 2
    assert task.milestones == []  # the closing remark is not part of the task


def test_closing_paragraph_after_the_last_bracket_is_not_glued_to_the_task():
    plan = parse_body(
        "一、任务\n40.实行奖惩制度。考核。(牵头单位:市政府办)\n此外,其它任务同步推进。\n"
    )
    assert "此外" not in plan.tasks[0].body


def test_items_under_an_organisation_section_without_unit_bracket_are_not_tasks():
    plan = parse_body(
        "一、任务\n1.推进改革。内容。(牵头单位:市政务局)\n二、保障措施\n1.加强组织领导。成立领导小组。\n"
    )
    assert [t.number for t in plan.tasks] == [1]


def test_attachment_table_repeating_the_tasks_creates_no_duplicates():
    plan = parse_body(
        "一、任务\n1.推进改革。内容。(牵头单位:区发改局)\n2.优化服务。内容。(牵头单位:区商务局)\n"
        "附件:责任分解表\n序号\n1\n推进改革。内容。\n区发改局\n2.优化服务。内容。\n"
    )
    assert [t.number for t in plan.tasks] == [1, 2]


def test_a_repeated_task_number_is_skipped_with_a_warning():
    plan = parse_body(
        "一、任务\n1.推进改革。内容。(牵头单位:区发改局)\n1.推进改革。重复。(牵头单位:区发改局)\n"
    )
    assert [t.number for t in plan.tasks] == [1]
    assert any("序号1重复" in w for w in plan.warnings)


def test_headings_followed_by_a_bracketed_paragraph_are_tasks_numbered_by_numeral():
    body = "".join(
        f"{numeral}、第{numeral}项工作\n内容{numeral}。(牵头单位:市政务局)\n"
        for numeral in ("一", "二", "十", "十一")
    )
    plan = parse_body("为做好工作,制定本方案。\n" + body)
    assert [(t.number, t.title) for t in plan.tasks] == [
        (1, "第一项工作"),
        (2, "第二项工作"),
        (10, "第十项工作"),
        (11, "第十一项工作"),
    ]
    assert plan.tasks[0].body == "内容一。(牵头单位:市政务局)"
    assert plan.tasks[0].section_index == 0


def test_parse_structure_without_headings_still_finds_items():
    structure = parse_structure(split_lines("1.推进改革。(牵头单位:市政务局)\n2.优化服务。"))
    assert [(t.number, t.section_index) for t in structure.tasks] == [(1, None), (2, None)]


# --------------------------------------------------------------------------- unit brackets


def test_unit_bracket_is_the_last_bracket_naming_units():
    text = "全面落实“三进”(人进、权进、事进)。(牵头单位:州政务局;责任单位:州司法局,6月底完成)"
    start, end = find_unit_bracket(text)
    assert text[start:end] == "(牵头单位:州政务局;责任单位:州司法局,6月底完成)"


def test_unit_bracket_may_be_followed_by_a_full_stop():
    text = "压缩时限。(牵头单位:州住建局;责任单位:州发改委,12月底完成)。"
    assert find_unit_bracket(text) is not None


def test_a_body_parenthesis_is_not_a_unit_bracket():
    assert find_unit_bracket("根据《优化营商环境条例》(国令第722号)") is None
    assert find_unit_bracket("落实“三进”(人进、权进、事进)") is None


def test_labelled_bracket_with_deadline_after_the_responsible_units():
    bracket = parse_unit_bracket(
        "牵头单位:州行政审批服务局;责任单位:州司法局、州委编办及州直相关单位,"
        "各县市人民政府、湘西经开区管委会,6月底完成"
    )
    assert bracket.lead_units == ["州行政审批服务局"]
    assert bracket.responsible_units == [
        "州司法局",
        "州委编办",
        "州直相关单位",
        "各县市人民政府",
        "湘西经开区管委会",
    ]
    assert bracket.deadline_text == "6月底完成"


def test_labelled_bracket_with_full_stop_between_lead_and_responsible():
    bracket = parse_unit_bracket("牵头单位:州税务局、州人社局。责任单位:各县市人民政府,12月底完成")
    assert bracket.lead_units == ["州税务局", "州人社局"]
    assert bracket.responsible_units == ["各县市人民政府"]
    assert bracket.deadline_text == "12月底完成"


def test_labelled_bracket_with_comma_between_lead_and_responsible():
    bracket = parse_unit_bracket("牵头单位:市自然资源和规划局、市行政审批局,责任单位:市住建局")
    assert bracket.lead_units == ["市自然资源和规划局", "市行政审批局"]
    assert bracket.responsible_units == ["市住建局"]


def test_bracket_with_responsible_units_only_has_no_lead():
    bracket = parse_unit_bracket(
        "责任单位:市住建局、市应急管理局等,各县(市、区)人民政府、开发区管委会"
    )
    assert bracket.lead_units == []
    assert bracket.responsible_units == [
        "市住建局",
        "市应急管理局",
        "各县（市、区）人民政府",
        "开发区管委会",
    ]


def test_bracket_with_deadline_label():
    bracket = parse_unit_bracket(
        "牵头单位:区司法局;责任单位:区优化办等相关区直单位;完成时限:2021年4月底。"
    )
    assert bracket.lead_units == ["区司法局"]
    assert bracket.responsible_units == ["区优化办", "相关区直单位"]
    assert bracket.deadline_text == "2021年4月底"


def test_bracket_with_ongoing_deadline_label_keeps_the_text_as_written():
    bracket = parse_unit_bracket(
        "牵头单位:区委政法委;责任单位:区司法局;完成时限:立行立改,长期坚持。"
    )
    assert bracket.deadline_text == "立行立改,长期坚持"


def test_keyword_bracket_with_lead_and_responsible_units():
    bracket = parse_unit_bracket(
        "省政务局、省司法厅牵头,省直相关部门及各市州人民政府按职责分工负责"
    )
    assert bracket.lead_units == ["省政务局", "省司法厅"]
    assert bracket.responsible_units == ["省直相关部门", "各市州人民政府"]


def test_keyword_bracket_without_lead_makes_everyone_responsible():
    bracket = parse_unit_bracket("省司法厅、省市场监管局等省直相关部门按职责分工负责")
    assert bracket.lead_units == []
    assert bracket.responsible_units == ["省司法厅", "省市场监管局", "省直相关部门"]


def test_keyword_bracket_naming_one_collective_unit():
    bracket = parse_unit_bracket("省直相关部门按职责分工负责")
    assert (bracket.lead_units, bracket.responsible_units) == ([], ["省直相关部门"])


def test_shared_responsibility_note_is_carried_to_later_tasks():
    bracket = parse_unit_bracket(
        "牵头单位:市行政审批局;责任单位:市直机关各有关单位,"
        "各县市区人民政府和园区管委会均为责任单位,以下不再列出"
    )
    assert bracket.responsible_units == ["市直机关各有关单位", "各县市区人民政府", "园区管委会"]
    assert bracket.carried_units == ["各县市区人民政府", "园区管委会"]


def test_carried_units_are_added_after_the_task_own_units_without_duplicates():
    plan = parse_body(
        "一、第一项\n内容。(牵头单位:市审批局;责任单位:市直各单位,"
        "各县市区人民政府和园区管委会均为责任单位,以下不再列出)\n"
        "二、第二项\n内容。(牵头单位:市审批局;责任单位:市财政局、园区管委会)\n"
        "三、第三项\n内容。(牵头单位:市审批局)\n"
    )
    assert plan.tasks[1].responsible_units == ["市财政局", "园区管委会", "各县市区人民政府"]
    assert plan.tasks[2].responsible_units == ["各县市区人民政府", "园区管委会"]


# --------------------------------------------------------------------------- unit names


def test_names_are_split_on_list_separators_and_ji():
    assert split_unit_names("州司法局、州委编办及州直相关单位,各县市人民政府;湘西经开区管委会") == [
        "州司法局",
        "州委编办",
        "州直相关单位",
        "各县市人民政府",
        "湘西经开区管委会",
    ]


def test_he_splits_between_two_whole_names():
    assert split_unit_names("各县市区人民政府和园区管委会") == ["各县市区人民政府", "园区管委会"]
    assert split_unit_names("各乡镇、街道办事处和相关区直单位") == [
        "各乡镇",
        "街道办事处",
        "相关区直单位",
    ]


@pytest.mark.parametrize(
    "name",
    ["州自然资源和规划局", "省工业和信息化厅", "省文化和旅游厅", "市大数据和产业创新发展中心"],
)
def test_he_inside_one_name_does_not_split(name):
    assert split_unit_names(name) == [name]


def test_he_after_a_place_rather_than_an_organisation_does_not_split():
    # "湘潭高新区" is a place, not a complete organisation name, so the name stays whole.
    assert split_unit_names("湘潭高新区和经开区管委会") == ["湘潭高新区和经开区管委会"]


def test_deng_closes_a_list():
    assert split_unit_names("市人社局、市税务局等") == ["市人社局", "市税务局"]
    assert split_unit_names("长沙海关等有关部门") == ["长沙海关", "有关部门"]
    assert split_unit_names("省司法厅、省市场监管局等省直相关部门") == [
        "省司法厅",
        "省市场监管局",
        "省直相关部门",
    ]
    assert split_unit_names("市人社局等,各县(市、区)人民政府") == [
        "市人社局",
        "各县（市、区）人民政府",
    ]


def test_parentheses_belong_to_the_name():
    assert split_unit_names("各县(市、区)人民政府、开发区管委会") == [
        "各县（市、区）人民政府",
        "开发区管委会",
    ]


def test_shared_suffix_spreads_over_bare_place_stems():
    assert split_unit_names("省政务局、长沙市、岳阳市、郴州市人民政府") == [
        "省政务局",
        "长沙市人民政府",
        "岳阳市人民政府",
        "郴州市人民政府",
    ]
    assert split_unit_names("平江市、安远县人民政府") == ["平江市人民政府", "安远县人民政府"]


def test_shared_suffix_spreads_over_area_words_and_keeps_ge():
    assert split_unit_names("各市州、县市区人民政府") == ["各市州人民政府", "各县市区人民政府"]


def test_shared_prefix_and_suffix_spread_over_short_names():
    assert split_unit_names("省直相关部门和自贸试验区长沙、岳阳、郴州片区管委会") == [
        "省直相关部门",
        "自贸试验区长沙片区管委会",
        "自贸试验区岳阳片区管委会",
        "自贸试验区郴州片区管委会",
    ]


def test_a_bare_name_before_deng_is_kept_as_written():
    assert split_unit_names("人民银行长沙中心支等相关部门") == ["人民银行长沙中心支", "相关部门"]
    assert split_unit_names("市财政局、汉江国投等") == ["市财政局", "汉江国投"]


def test_normalise_unit_name():
    assert normalise_unit_name(" 各县(市、区)人民政府 ") == "各县（市、区）人民政府"
    assert normalise_unit_name("州行政審批服務局") == "州行政审批服务局"
    assert normalise_unit_name("市应急管理局等") == "市应急管理局"
    assert normalise_unit_name("州 司法局") == "州司法局"


@pytest.mark.parametrize(
    "name",
    [
        "各县市人民政府",
        "州直相关部门",
        "市政府各部门",
        "省直相关部门",
        "有关部门",
        "市直机关各有关单位",
        "项目指挥部各成员单位",
        "县市人民政府",
        "区直单位",
    ],
)
def test_collective_unit_names(name):
    assert is_collective_unit_name(name)


@pytest.mark.parametrize(
    "name", ["州司法局", "湘西经开区管委会", "长沙市人民政府", "人民银行长沙中心支行", "区委政法委"]
)
def test_single_unit_names_are_not_collective(name):
    assert not is_collective_unit_name(name)


# --------------------------------------------------------------------------- deadlines


def test_month_end_deadline_in_the_plan_year():
    deadline = parse_deadline("6月底完成", 2020)
    assert (deadline.due_on, deadline.text, deadline.source) == (
        date(2020, 6, 30),
        "6月底完成",
        DEADLINE_SOURCE_DOCUMENT,
    )


def test_month_end_deadline_in_leap_year():
    assert parse_deadline("2月底完成", 2020).due_on == date(2020, 2, 29)
    assert parse_deadline("2月底完成", 2021).due_on == date(2021, 2, 28)


def test_explicit_year_wins_over_plan_year():
    assert parse_deadline("2021年4月底", 2020).due_on == date(2021, 4, 30)
    assert parse_deadline("2021年6月30日", 2020).due_on == date(2021, 6, 30)
    assert parse_deadline("2021年底", 2020).due_on == date(2021, 12, 31)


def test_year_end_deadlines_use_the_plan_year():
    assert parse_deadline("年底前完成", 2022).due_on == date(2022, 12, 31)
    assert parse_deadline("12月底完成", 2022).due_on == date(2022, 12, 31)


@pytest.mark.parametrize("text", ["立行立改,长期坚持", "长期坚持", "持续推进", "长期"])
def test_ongoing_deadlines_have_no_date(text):
    deadline = parse_deadline(text, 2021)
    assert deadline.is_ongoing
    assert deadline.due_on is None
    assert deadline.text == text


def test_text_that_is_no_deadline_is_not_parsed():
    assert parse_deadline("另行通知", 2021) is None
    assert parse_deadline("13月底", 2021) is None


def test_plan_default_deadline_is_the_plan_year_end():
    deadline = plan_default_deadline(2022)
    assert (deadline.due_on, deadline.text, deadline.source, deadline.is_ongoing) == (
        date(2022, 12, 31),
        "",
        DEADLINE_SOURCE_PLAN_DEFAULT,
        False,
    )


def test_task_without_deadline_gets_the_plan_default():
    plan = parse_body("一、任务\n1.推进改革。内容。(省政务局牵头,各市州人民政府按职责分工负责)\n")
    assert plan.tasks[0].deadline == plan_default_deadline(2021)


def test_unreadable_deadline_is_reported_and_defaults_to_year_end():
    plan = parse_body("一、任务\n1.推进改革。内容。(牵头单位:市政务局;完成时限:另行通知)\n")
    task = plan.tasks[0]
    assert task.deadline.source == DEADLINE_SOURCE_PLAN_DEFAULT
    assert any("另行通知" in warning for warning in task.warnings)


# --------------------------------------------------------------------------- milestones


def test_dates_in_the_body_become_milestones_with_their_clause():
    milestones = find_milestones(
        "继续推进下放。2021年9月底前研究提出一批事项。对落实情况开展“回头看”;确保2021年5月底前开工,满足需求",
        2021,
        date(2021, 3, 10),
    )
    assert [(m.due_on, m.text) for m in milestones] == [
        (date(2021, 9, 30), "2021年9月底前研究提出一批事项"),
        (date(2021, 5, 31), "确保2021年5月底前开工,满足需求"),
    ]


def test_year_end_in_the_body_is_a_milestone():
    milestones = find_milestones("到2020年底,普惠型小微企业贷款增速高于平均增速。", 2020, None)
    assert [(m.due_on, m.text) for m in milestones] == [
        (date(2020, 12, 31), "到2020年底,普惠型小微企业贷款增速高于平均增速")
    ]


def test_dates_before_the_signing_date_are_not_milestones():
    milestones = find_milestones(
        "将2019年10月1日之前有据可查的数据录入系统。", 2020, date(2020, 6, 19)
    )
    assert milestones == []


def test_vague_or_recurring_dates_are_not_milestones():
    text = "每月25日前报送进度。2020年不新增欠款。一季度开展一次培训。严格执行《目录(2019年版)》。"
    assert find_milestones(text, 2020, date(2020, 2, 22)) == []


def test_dates_in_the_unit_bracket_are_not_milestones():
    plan = parse_body(
        "一、任务\n1.推进改革。2021年6月底前完成试点。(牵头单位:市政务局;完成时限:2021年9月底)\n"
    )
    task = plan.tasks[0]
    assert [m.due_on for m in task.milestones] == [date(2021, 6, 30)]
    assert task.deadline.due_on == date(2021, 9, 30)


# --------------------------------------------------------------------------- safety


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        "\x00\x00",
        "hello world",
        "一、总体要求\n坚持问题导向。",
        "附件\n1.任务。(牵头单位:某局)",
    ],
)
def test_documents_without_tasks_raise_document_error(text):
    with pytest.raises(DocumentError):
        parse_document(text)


def test_no_task_message_says_no_task_was_found():
    with pytest.raises(DocumentError, match="未识别到任何任务"):
        parse_document("一、总体要求\n坚持问题导向。")


def test_parse_document_rejects_non_text():
    with pytest.raises(DocumentError):
        parse_document(b"1.task")


def test_parse_document_raises_only_document_error_on_garbage():
    import random

    rng = random.Random(20240501)
    alphabet = "一二、.．1２3（()）〔〕牵头单位:;责任负责年月底日2020\n 。,《》<>?附件和等及各县市人民政府局\x00"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        try:
            parse_document(text)
        except DocumentError as error:
            # An internal bug would surface as the generic "文档解析失败" wrapper.
            assert "解析失败" not in str(error), text


def test_nul_characters_are_stripped_from_text():
    plan = parse_body("一、任务\n1.推进\x00改革。内容。(牵头单位:市政\x00务局)\n")
    assert plan.tasks[0].title == "推进改革"
    assert plan.tasks[0].lead_units == ["市政务局"]


def test_garbled_task_is_imported_with_a_warning():
    plan = parse_body("一、任务\n1.推进改革。确?!耙患乱淮无k”全覆盖。(牵头单位:市政务局)\n")
    assert plan.tasks[0].warnings == ["正文含乱码,请核对原文"]


def test_task_without_unit_bracket_is_reported():
    plan = parse_body("一、任务\n1.推进改革。内容。\n")
    assert plan.tasks[0].lead_units == plan.tasks[0].responsible_units == []
    assert any("单位" in warning for warning in plan.tasks[0].warnings)


# --------------------------------------------------------------------------- an invented plan

INVENTED_PLAN = """网站首页 > 政务公开 > 政策文件
发布日期:2023-03-20 浏览次数:1024
市人民政府办公室关于印发青石市2023年优化营商环境攻坚行动方案的通知
各区县人民政府,市直各单位:
《青石市2023年优化营商环境攻坚行动方案》已经市人民政府同意,现印发给你们,请认真组织实施。
2023年3月15日
青石市2023年优化营商环境
攻坚行动方案
为持续优化营商环境,制定本方案。
一、总体目标
到2023年底,全市营商环境明显改善。
二、重点任务
（一）提升政务服务效能
１．推进“一网通办”。全面推行网上办理,
2023年6月30日前实现高频事项全覆盖。（牵头单位：市政务服务中心；责任单位：各区县人民政府，9月底完成）
本段为说明文字,不属于任何任务。
２、深化工程建设项目审批改革。压缩审批时限。（市住建局、市自然资源局牵头，平江市、安远市、石门县人民政府及市直相关部门按职责分工负责）
(二)加强事中事后监管
3.推行信用监管。建立信用档案。(牵头单位:市发改委;责任单位:市市场监管局;完成时限:长期坚持)
三、保障措施
1.加强组织领导。成立领导小组。
附件:重点任务清单
1.推进“一网通办”。
"""


@pytest.fixture(scope="module")
def invented_plan():
    return parse_document(INVENTED_PLAN)


def test_invented_plan_metadata(invented_plan):
    assert invented_plan.title == "青石市2023年优化营商环境攻坚行动方案"
    assert invented_plan.issuer == "青石市人民政府办公室"
    assert invented_plan.issued_on == date(2023, 3, 15)
    assert invented_plan.year == 2023
    assert invented_plan.doc_number == ""


def test_invented_plan_tasks_and_sections(invented_plan):
    assert [(t.number, t.section_index) for t in invented_plan.tasks] == [(1, 2), (2, 2), (3, 3)]
    assert [s.numeral for s in invented_plan.sections] == ["一", "二", "（一）", "(二)", "三"]


def test_invented_plan_task_spanning_two_lines_with_full_width_digits(invented_plan):
    task = invented_plan.tasks[0]
    assert task.title == "推进“一网通办”"
    assert "说明文字" not in task.body
    assert task.lead_units == ["市政务服务中心"]
    assert task.responsible_units == ["各区县人民政府"]
    assert (task.deadline.due_on, task.deadline.text) == (date(2023, 9, 30), "9月底完成")
    assert [(m.due_on, m.text) for m in task.milestones] == [
        (date(2023, 6, 30), "全面推行网上办理,2023年6月30日前实现高频事项全覆盖")
    ]


def test_invented_plan_dun_numbered_task_with_keyword_bracket(invented_plan):
    task = invented_plan.tasks[1]
    assert task.lead_units == ["市住建局", "市自然资源局"]
    assert task.responsible_units == [
        "平江市人民政府",
        "安远市人民政府",
        "石门县人民政府",
        "市直相关部门",
    ]
    assert task.deadline.source == DEADLINE_SOURCE_PLAN_DEFAULT


def test_invented_plan_ongoing_task(invented_plan):
    task = invented_plan.tasks[2]
    assert (task.deadline.is_ongoing, task.deadline.text) == (True, "长期坚持")

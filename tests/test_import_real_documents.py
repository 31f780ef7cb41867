"""Real plans of eight other provinces (tests/documents/, see SOURCES.md), in every format.

The expected values were written by reading each document, not from the parser's output.
"""

import html
from datetime import date
from pathlib import Path

import pytest

from tasks.importer import DocumentError, extract_source, parse_source, read_source
from tasks.importer.document import WARNING_NO_LEAD

from .document_builders import chromium_missing, docx_from_text, pdf_from_text, xlsx_from_plan

DOCUMENTS = Path(__file__).parent / "documents"


def parse(name: str, **kwargs):
    return parse_source(read_source(DOCUMENTS / name), **kwargs)


def units(plan) -> list[tuple]:
    return [(t.number, t.lead_units, t.responsible_units) for t in plan.tasks]


def test_eight_provinces_other_than_hunan():
    names = sorted(path.name for path in DOCUMENTS.glob("*.txt"))
    provinces = {name.split("-")[0] for name in names}
    assert len(provinces) >= 8 and "hunan" not in provinces
    sources = (DOCUMENTS / "SOURCES.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in sources for name in names)


def test_shaanxi_xianyang_traditional_text_with_lead_keyword_bracket():
    plan = parse("shaanxi-xianyang-2022.txt")

    assert plan.title == "咸阳市2022年深化“放管服”改革最佳化营商环境工作要点"
    assert (plan.year, plan.doc_number) == (2022, "")
    task = plan.tasks[0]
    assert units(plan) == [
        (
            1,
            ["市政府办公室", "市行政审批制度改革工作领导小组办公室"],
            ["市级各有关部门", "各县市区政府"],
        )
    ]
    assert task.title == "全面实施行政许可事项清单管理"
    assert task.deadline.due_on == date(2022, 12, 31)  # no deadline given: the plan's year end
    assert [m.due_on for m in task.milestones] == [date(2022, 10, 31)]


def test_shandong_gangcheng_notice_and_four_tasks():
    plan = parse("shandong-gangcheng-2021.txt")

    assert plan.title == "深化“放管服”改革优化营商环境2021年重点任务分工方案"
    assert plan.issuer == "济南市钢城区人民政府办公室"
    assert (plan.issued_on, plan.year) == (date(2021, 4, 10), 2021)
    assert plan.doc_number == ""  # 济政办发〔2021〕4号 is the city's plan it implements
    assert units(plan) == [
        (1, ["区政府办公室"], ["区政府有关部门", "各街道（功能区）"]),
        (2, ["区政府办公室", "区司法局", "区行政审批服务局"], ["区政府有关部门"]),
        (3, ["区政府办公室"], ["区司法局", "有关部门"]),
        (4, ["区司法局"], ["区政府有关部门"]),
    ]


def test_sichuan_units_shared_by_every_task_below():
    plan = parse("sichuan-circulation-2022.txt")

    assert plan.issuer == "四川省发展和改革委员会"
    assert (plan.issued_on, plan.year) == (date(2022, 10, 18), 2022)
    assert units(plan) == [
        (1, [], ["省发展改革委", "省市场监管局", "商务厅", "省大数据中心", "相关市（州）人民政府"]),
        (2, [], ["省市场监管局", "相关市（州）人民政府"]),
    ]
    assert all(WARNING_NO_LEAD in task.warnings for task in plan.tasks)


def test_fujian_xiamen_label_lines_and_first_unit_leads_convention():
    plan = parse("fujian-xiamen-2019.txt")

    assert plan.title == "厦门市聚焦企业关切进一步落实优化营商环境政策的若干措施"
    assert (plan.doc_number, plan.issuer, plan.year) == (
        "厦府办〔2019〕10号",
        "厦门市人民政府办公厅",
        2019,
    )
    assert plan.issued_on is None  # the page lost the date's 年月日 (`2019116`)
    assert units(plan) == [(1, ["市发改委"], ["市财政局"]), (2, ["市建设局"], [])]
    assert all(t.deadline.is_ongoing and t.deadline.text == "持续推进" for t in plan.tasks)
    assert not any(t.warnings for t in plan.tasks)


def test_guangdong_spun_copy_with_breadcrumbs():
    plan = parse("guangdong-private-investment-2023.txt")

    assert plan.title == "广东省进一步加鼎力度支持民间投资生长的实行方案"
    assert (plan.doc_number, plan.issuer) == ("粤府办〔2023〕5号", "广东省人民政府办公厅")
    assert (plan.issued_on, plan.year) == (date(2023, 3, 17), 2023)
    assert units(plan) == [
        (1, ["省生长改造委"], []),
        (
            2,
            [],
            ["省生长改造委", "交通运输厅", "水利厅", "住房城乡建设厅", "能源局", "省有关部门",
             "各地级以上市人民政府"],
        ),
    ]  # fmt: skip


def test_gansu_linxia_states_no_year_and_names_units_for_all_tasks():
    with pytest.raises(DocumentError, match="没有写明方案年度"):
        parse("gansu-linxia.txt")

    plan = parse("gansu-linxia.txt", year=2023)

    shared = ["州政务服务中心", "各县市人民政府", "州直相关行业部门"]
    assert units(plan) == [(1, [], shared), (2, [], shared)]
    assert plan.tasks[0].deadline.due_on == date(2023, 12, 31)


def test_jiangsu_taizhou_cited_numbers_are_not_the_plans_own():
    with pytest.raises(DocumentError, match="没有写明方案年度"):
        parse("jiangsu-taizhou.txt")

    plan = parse("jiangsu-taizhou.txt", year=2019)

    assert plan.title == "聚焦企业关切进一步优化营商环境行动方案"
    assert plan.doc_number == ""
    assert units(plan) == [
        (1, [], ["市行政审批局", "住建局", "司法局", "各市（区）人民政府", "医药高新区管委会"])
    ]


def test_anhui_chizhou_page_chrome_and_year_from_the_doc_number():
    plan = parse("anhui-chizhou-2017.txt")

    assert plan.title == "池州市人民政府关于创优“四最”营商环境的实施意见"
    assert (plan.doc_number, plan.issuer, plan.year) == (
        "池政〔2017〕101号",
        "池州市人民政府",
        2017,
    )
    assert units(plan) == [(1, ["市工商质监局"], [])]
    assert "(2)完善企业登记全程电子化" in plan.tasks[0].body  # sub-points stay in the task


# --- the same real texts through every reader ---------------------------------------------

REAL = sorted(path.name for path in DOCUMENTS.glob("*.txt"))
NEEDS_YEAR = {"gansu-linxia.txt": 2023, "jiangsu-taizhou.txt": 2019}


def everything(plan) -> tuple:
    return (plan.title, plan.doc_number, plan.issuer, plan.issued_on, plan.year, plan.tasks)


@pytest.mark.parametrize("name", REAL)
def test_real_text_imports_identically_as_word(name):
    text = (DOCUMENTS / name).read_text(encoding="utf-8")
    year = NEEDS_YEAR.get(name)

    from_word = parse_source(extract_source(docx_from_text(text), "plan.docx"), year=year)

    assert everything(from_word) == everything(parse(name, year=year))


@pytest.mark.parametrize("name", REAL)
def test_real_text_imports_the_same_tasks_as_a_saved_web_page(name):
    text = (DOCUMENTS / name).read_text(encoding="utf-8")
    year = NEEDS_YEAR.get(name)
    article = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府网站</title></head><body>'
        '<div class="nav"><a href="/">首页</a><a href="/zwgk">政务公开</a></div>'
        f'<div class="article-content">{article}</div>'
        '<div class="footer">主办单位:人民政府办公室 ICP备00000000号</div></body></html>'
    ).encode()

    from_page = parse_source(extract_source(page, "page.html"), year=year)

    assert units(from_page) == units(parse(name, year=year))
    assert [t.deadline for t in from_page.tasks] == [
        t.deadline for t in parse(name, year=year).tasks
    ]


@pytest.mark.parametrize("name", ["shandong-gangcheng-2021.txt", "fujian-xiamen-2019.txt"])
def test_real_text_imports_identically_as_a_printed_pdf(name):
    reason = chromium_missing()
    if reason:
        pytest.skip(f"PDF tests skipped: {reason}")
    text = (DOCUMENTS / name).read_text(encoding="utf-8")

    from_pdf = parse_source(extract_source(pdf_from_text(text), "plan.pdf"))

    assert everything(from_pdf) == everything(parse(name))


def test_real_task_table_as_excel_gives_the_same_assignments():
    expected = parse("shandong-gangcheng-2021.txt")
    title_rows = [expected.title, "济南市钢城区人民政府办公室 2021年4月10日"]

    table = parse_source(extract_source(xlsx_from_plan(expected, title_rows=title_rows), "表.xlsx"))

    assert units(table) == units(expected)
    assert (table.title, table.year) == (expected.title, 2021)

"""Word, PDF, web page and Excel files go through the same rules as text (no database).

Each of the five fixtures is also written as a .docx, printed to PDF by Chromium (with a
running header and `— N —` page numbers) and as an .xlsx 责任分解表; all must import
as the text does.
"""

import io
import zipfile
from datetime import date

import pytest
from django.conf import settings

from tasks.importer import DocumentError, extract_source, parse_document, parse_source
from tasks.importer.document import WARNING_NO_LEAD
from tasks.importer.source import detect_format

from .conftest import HUNAN, LENGSHUITAN, XIANGTAN, XIANGXI, XIANGYANG
from .document_builders import chromium_missing, docx_from_text, pdf_from_text, xlsx_from_plan

FIXTURES = [XIANGXI, XIANGYANG, HUNAN, LENGSHUITAN, XIANGTAN]


def fixture_text(name: str) -> str:
    return (settings.POLICY_FIXTURES_DIR / name).read_text(encoding="utf-8")


def everything(plan) -> tuple:
    """All the parser gives: metadata, sections, and each task in full."""
    return (
        plan.title,
        plan.doc_number,
        plan.issuer,
        plan.issued_on,
        plan.year,
        plan.sections,
        plan.tasks,
        plan.warnings,
    )


def assignments(plan) -> list[tuple]:
    return [
        (t.number, t.lead_units, t.responsible_units, t.deadline.due_on, t.deadline.is_ongoing)
        for t in plan.tasks
    ]


def from_bytes(data: bytes, name: str, **kwargs):
    return parse_source(extract_source(data, name), **kwargs)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_imports_identically_from_docx(name):
    text = fixture_text(name)
    data = docx_from_text(text, header="湖南省人民政府文件", footer="— 1 —")

    parsed = from_bytes(data, name.replace(".txt", ".docx"))

    assert everything(parsed) == everything(parse_document(text))


@pytest.fixture(scope="module")
def printed_pdfs():
    reason = chromium_missing()
    if reason:
        pytest.skip(f"PDF tests skipped: {reason}")
    return {name: pdf_from_text(fixture_text(name)) for name in FIXTURES}


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_imports_identically_from_a_printed_pdf(name, printed_pdfs):
    source = extract_source(printed_pdfs[name], name.replace(".txt", ".pdf"))

    assert "内部资料" not in source.text  # the running header
    assert "— 2 —" not in source.text and "—2—" not in source.text  # page numbers
    assert everything(parse_source(source)) == everything(parse_document(fixture_text(name)))


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_task_table_in_xlsx_gives_the_same_tasks_units_and_deadlines(name):
    expected = parse_document(fixture_text(name))
    title_rows = [expected.title, f"{expected.issuer} {expected.issued_on:%Y年%-m月%-d日}"]

    parsed = from_bytes(xlsx_from_plan(expected, title_rows=title_rows), "分解表.xlsx")

    assert assignments(parsed) == assignments(expected)
    assert parsed.title == expected.title and parsed.year == expected.year


def test_five_fixtures_warn_about_the_24_tasks_without_a_lead_unit():
    without_lead = {
        name: [t.number for t in parse_document(fixture_text(name)).tasks if not t.lead_units]
        for name in FIXTURES
    }
    warned = {
        name: [
            t.number
            for t in parse_document(fixture_text(name)).tasks
            if WARNING_NO_LEAD in t.warnings
        ]
        for name in FIXTURES
    }
    assert sum(len(numbers) for numbers in without_lead.values()) == 24
    assert warned == without_lead


# --- Word ----------------------------------------------------------------------------------

HEADER = """池州市人民政府关于印发池州市优化营商环境若干措施的通知
池政〔2017〕101号
各县、区人民政府,市政府各部门:
现将《池州市优化营商环境若干措施》印发给你们,请认真贯彻执行。
池州市人民政府
2017年9月30日
"""


def test_word_automatic_list_numbers_give_the_task_numbers():
    import docx

    document = docx.Document()
    for line in HEADER.splitlines():
        document.add_paragraph(line)
    document.add_paragraph("一、提升审批效率")
    for text in (
        "压缩企业开办时间至3个工作日。(牵头单位:市市场监管局;完成时限:2017年12月底)",
        "推行不动产登记一窗受理。(牵头单位:市国土局;责任单位:市税务局)",
        "建设投资项目在线审批监管平台。(牵头单位:市发改委)",
    ):
        document.add_paragraph(text, style="List Number")  # Word numbers these, not the text
    buffer = io.BytesIO()
    document.save(buffer)

    parsed = from_bytes(buffer.getvalue(), "池州.docx")

    assert [(t.number, t.lead_units) for t in parsed.tasks] == [
        (1, ["市市场监管局"]),
        (2, ["市国土局"]),
        (3, ["市发改委"]),
    ]
    assert parsed.tasks[0].deadline.due_on == date(2017, 12, 31)
    assert parsed.year == 2017 and parsed.doc_number == "池政〔2017〕101号"


def numbered_docx(paragraphs: list[tuple[str, int | None]]) -> bytes:
    """A .docx whose headings `一、` and items `1.` are Word list numbers, not text.

    Level 0 counts 一、二、(chineseCounting), level 1 counts 1. 2. and, as in Word,
    goes on counting across headings unless restarted.
    """
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {w} w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="%1、"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
            '<w:lvlText w:val="%2."/><w:lvlRestart w:val="0"/></w:lvl></w:abstractNum>'
        ),
    )
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for text, level in paragraphs:
        paragraph = document.add_paragraph(text)
        if level is not None:
            paragraph._p.get_or_add_pPr().append(
                parse_xml(f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
            )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_chinese_heading_numbers_and_items_counted_across_headings():
    header = [(line, None) for line in HEADER.splitlines()]
    data = numbered_docx(
        header
        + [
            ("提升审批效率", 0),
            ("压缩企业开办时间至3个工作日。(牵头单位:市市场监管局)", 1),
            ("推行不动产登记一窗受理。(牵头单位:市国土局)", 1),
            ("降低要素成本", 0),
            ("降低企业用电成本。(牵头单位:市发改委;责任单位:国网池州供电公司)", 1),
        ]
    )

    source = extract_source(data, "池州.docx")
    parsed = parse_source(source)

    assert "一、提升审批效率" in source.text and "二、降低要素成本" in source.text
    assert [(t.number, t.section_index, t.lead_units) for t in parsed.tasks] == [
        (1, 0, ["市市场监管局"]),
        (2, 0, ["市国土局"]),
        (3, 1, ["市发改委"]),
    ]
    assert [s.title for s in parsed.sections] == ["提升审批效率", "降低要素成本"]


def test_word_headers_footers_and_distribution_block_are_not_tasks():
    text = fixture_text(XIANGTAN)
    data = docx_from_text(text, header="湘潭市人民政府文件", footer="— 1 —", distribution=True)

    source = extract_source(data, "plan.docx")
    parsed = parse_source(source)

    assert "湘潭市人民政府文件" not in source.text and "抄送" not in source.text
    assert "印发" not in parsed.tasks[-1].body
    assert len(parsed.tasks) == 10


def narrative_with_table_docx(rows: list[list[str]]) -> bytes:
    import docx

    document = docx.Document()
    for line in HEADER.splitlines():
        document.add_paragraph(line)
    document.add_paragraph("一、提升审批效率")
    document.add_paragraph("1.压缩企业开办时间至3个工作日。(完成时限:2017年12月底)")
    document.add_paragraph("2.推行不动产登记一窗受理,实现一次办结。(责任单位:市税务局)")
    document.add_paragraph("附件:重点任务分工表")
    table = document.add_table(rows=0, cols=4)
    for row in [["序号", "重点任务", "牵头单位", "责任单位"], *rows]:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_attachment_table_completes_the_narrative_tasks_and_wins_for_units():
    data = narrative_with_table_docx(
        [
            ["1", "压缩企业开办时间至3个工作日", "市市场监管局", "市税务局、市人社局"],
            ["2", "推行不动产登记一窗受理,实现一次办结", "市国土局", "市税务局"],
        ]
    )

    parsed = from_bytes(data, "池州.docx")

    assert [(t.number, t.lead_units, t.responsible_units) for t in parsed.tasks] == [
        (1, ["市市场监管局"], ["市税务局", "市人社局"]),
        (2, ["市国土局"], ["市税务局"]),
    ]
    assert parsed.tasks[0].deadline.due_on == date(2017, 12, 31)  # the narrative's deadline
    assert all(WARNING_NO_LEAD not in t.warnings for t in parsed.tasks)


# --- PDF -----------------------------------------------------------------------------------


def test_scanned_pdf_without_text_is_refused(printed_pdfs):
    from .document_builders import pdf_from_html

    data = pdf_from_html('<div style="width:400px;height:600px;background:#333"></div>')

    with pytest.raises(DocumentError, match="扫描件,没有可提取的文字"):
        extract_source(data, "scan.pdf")


def test_pdf_task_table_is_read_as_a_table_with_wrapped_cells(printed_pdfs):
    from .document_builders import pdf_from_html

    rows = [
        ("1", "推行“一件事一次办”,实现企业开办一日办结", "县政务服务中心", "县市场监管局、县税务局", "2023年6月底"),
        ("2", "推进电子证照在政务服务中全面应用", "县数据局", "县直各部门", "持续推进"),
    ]  # fmt: skip
    cells = "".join(f"<tr>{''.join(f'<td>{c}</td>' for c in row)}</tr>" for row in rows)
    page = (
        '<!doctype html><html><head><meta charset="utf-8"><style>'
        "body{font-family:'WenQuanYi Micro Hei';font-size:12pt}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #000;padding:4px}"
        "</style></head><body><p>某县2023年优化营商环境重点任务清单</p><table>"
        "<tr><th>序号</th><th>重点任务</th><th>牵头单位</th><th>责任单位</th><th>完成时限</th></tr>"
        f"{cells}</table></body></html>"
    )
    data = pdf_from_html(page)

    plan = from_bytes(data, "清单.pdf")

    assert [(t.number, t.title, t.lead_units, t.responsible_units) for t in plan.tasks] == [
        (
            1,
            "推行“一件事一次办”,实现企业开办一日办结",
            ["县政务服务中心"],
            ["县市场监管局", "县税务局"],
        ),
        (2, "推进电子证照在政务服务中全面应用", ["县数据局"], ["县直各部门"]),
    ]
    assert plan.tasks[0].deadline.due_on == date(2023, 6, 30) and plan.tasks[1].deadline.is_ongoing


ENCRYPTED_PDF = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj
4 0 obj << /Length 10 >> stream
0123456789
endstream endobj
5 0 obj << /Filter /Standard /V 1 /R 2 /Length 40 /P -4
/O <0102030405060708090a0b0c0d0e0f100102030405060708090a0b0c0d0e0f10>
/U <1112131415161718191a1b1c1d1e1f201112131415161718191a1b1c1d1e1f20> >> endobj
trailer << /Root 1 0 R /Size 6 /Encrypt 5 0 R /ID [<00112233445566778899aabbccddeeff><00112233445566778899aabbccddeeff>] >>
%%EOF
"""


def test_encrypted_pdf_is_refused_as_encrypted():
    with pytest.raises(DocumentError, match="PDF 文件已加密"):
        extract_source(ENCRYPTED_PDF, "secret.pdf")


def test_damaged_pdf_is_refused_as_damaged():
    with pytest.raises(DocumentError, match="PDF 文件已损坏"):
        extract_source(b"%PDF-1.7\n1 0 obj << /Type /Catalog garbage", "broken.pdf")


# --- web pages -----------------------------------------------------------------------------


def government_page(article_html: str) -> bytes:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>池州市人民政府</title>
    <script>var nav = "首页";</script></head><body>
    <div class="nav"><a href="/">首页</a> <a href="/zwgk">政务公开</a> <a href="/zcwj">政策文件</a></div>
    <div class="position">您当前的位置:<a href="/">首页</a> &gt; <a href="/zcwj">政策文件</a></div>
    <table class="xxgk_table">
      <tr><td>索引号:</td><td>11341700003135212X/201710-00012</td><td>发文机关:</td><td>池州市人民政府</td></tr>
      <tr><td>成文日期:</td><td>2017-09-30</td><td>文号:</td><td>池政〔2017〕101号</td></tr>
    </table>
    <h1 class="title">池州市优化营商环境若干措施</h1>
    <div class="TRS_Editor">{article_html}</div>
    <div class="footer">主办单位:池州市人民政府办公室 地址:池州市长江南路 皖ICP备05000000号</div>
    </body></html>""".encode()


def test_web_page_article_body_is_read_and_chrome_dropped():
    text = fixture_text(XIANGTAN)
    article = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())

    source = extract_source(government_page(article), "page.html")

    assert (
        "索引号" not in source.text and "ICP" not in source.text and "政务公开" not in source.text
    )
    assert assignments(parse_source(source)) == assignments(parse_document(text))


def test_web_page_metadata_fills_what_the_article_lacks():
    article = (
        "<p>池州市优化营商环境若干措施</p>"
        "<p>一、提升审批效率</p>"
        "<p>1.压缩企业开办时间至3个工作日。(牵头单位:市市场监管局;完成时限:12月底)</p>"
        "<p>2.推行不动产登记一窗受理。(牵头单位:市国土局)</p>"
    )

    parsed = from_bytes(government_page(article), "page.htm")

    assert parsed.doc_number == "池政〔2017〕101号"
    assert parsed.issuer == "池州市人民政府"
    assert parsed.issued_on == date(2017, 9, 30)
    assert parsed.year == 2017
    assert parsed.tasks[0].deadline.due_on == date(2017, 12, 31)


def test_web_page_in_gb18030_without_a_declared_charset():
    text = fixture_text(XIANGTAN)
    article = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
    page = f"<html><body><div class='content'>{article}</div></body></html>".encode("gb18030")

    assert assignments(from_bytes(page, "page.htm")) == assignments(parse_document(text))


# --- Excel ---------------------------------------------------------------------------------


def workbook(*sheets: list[list]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for index, rows in enumerate(sheets):
        sheet = book.create_sheet(f"表{index + 1}")
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_header_found_by_names_with_merged_sections_and_several_sheets():
    first = [
        ["2023年优化营商环境重点任务清单"],
        [None],
        ["序号", "工作任务", "牵头部门", "配合单位", "时间节点"],
        ["一、政务服务"],
        [1, "推行“一件事一次办”", "县政务服务中心", "县直各部门", "2023年6月底"],
        [2, "推进电子证照应用", "县数据局", None, "持续推进"],
    ]
    second = [
        ["序号", "工作任务", "牵头部门", "配合单位", "时间节点"],
        ["二、要素保障"],
        [3, "降低企业用电成本", "县发改局", "国网县供电公司", "2023年12月底"],
    ]

    parsed = from_bytes(workbook(first, second), "清单.xlsx")

    assert [(t.number, t.lead_units, t.responsible_units) for t in parsed.tasks] == [
        (1, ["县政务服务中心"], ["县直各部门"]),
        (2, ["县数据局"], []),
        (3, ["县发改局"], ["国网县供电公司"]),
    ]
    assert [s.title for s in parsed.sections] == ["政务服务", "要素保障"]
    assert parsed.tasks[0].deadline.due_on == date(2023, 6, 30)
    assert parsed.tasks[1].deadline.is_ongoing
    assert parsed.year == 2023


def test_xlsx_section_rows_numbered_in_the_number_column():
    rows = [
        ["某县2023年优化营商环境任务清单"],
        ["序号", "主要任务", "牵头单位", "责任单位", "完成时限"],
        ["一", "政务服务", None, None, None],
        [1, "推行“一件事一次办”", "县政务服务中心", None, "2023年6月底"],
        ["二", "要素保障", None, None, None],
        [2, "降低企业用电成本", "县发改局", "国网县供电公司", None],
    ]

    parsed = from_bytes(workbook(rows), "清单.xlsx")

    assert [s.title for s in parsed.sections] == ["政务服务", "要素保障"]
    assert [(t.number, t.section_index, t.lead_units) for t in parsed.tasks] == [
        (1, 0, ["县政务服务中心"]),
        (2, 1, ["县发改局"]),
    ]


def test_xlsx_without_a_header_row_is_refused():
    data = workbook([["任务", "单位"], ["做好某项工作", "某局"]])
    with pytest.raises(DocumentError, match="Excel 中没有找到任务表"):
        extract_source(data, "清单.xlsx")


# --- bad input -----------------------------------------------------------------------------


def test_extension_that_lies_about_the_content_is_refused():
    data = docx_from_text(fixture_text(XIANGTAN))
    with pytest.raises(DocumentError, match=r"扩展名是 \.pdf,内容却是Word\(\.docx\)格式"):
        extract_source(data, "plan.pdf")


def test_format_is_chosen_by_content_when_the_name_says_nothing():
    data = docx_from_text(fixture_text(XIANGTAN))
    assert detect_format(data) == "docx"
    assert len(from_bytes(data, "plan-without-extension").tasks) == 10


def test_docx_that_is_not_a_zip_is_refused():
    with pytest.raises(DocumentError, match="扩展名是 .docx,内容却是纯文本"):
        extract_source(b"just some text, not a Word file", "plan.docx")
    with pytest.raises(DocumentError, match="不是有效的 zip 结构|已损坏"):
        extract_source(b"PK\x03\x04" + b"\x00" * 200, "plan.docx")


def test_docx_zip_bomb_is_refused_before_inflating(monkeypatch):
    monkeypatch.setattr("tasks.importer.source.MAX_UNZIPPED_BYTES", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"0" * (4 * 1024 * 1024))
    assert len(buffer.getvalue()) < 100 * 1024

    with pytest.raises(DocumentError, match="疑似压缩炸弹"):
        extract_source(buffer.getvalue(), "bomb.docx")


def test_password_protected_office_file_is_refused_as_encrypted():
    ole = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + "EncryptedPackage".encode("utf-16-le")
    )
    for name in ("plan.docx", "table.xlsx"):
        with pytest.raises(DocumentError, match="文件已加密"):
            extract_source(ole, name)


def test_file_over_the_size_limit_is_refused():
    with pytest.raises(DocumentError, match="文件过大"):
        extract_source(b"1." + b"x" * (50 * 1024 * 1024), "huge.txt")


def test_text_too_long_to_parse_in_time_is_refused(monkeypatch):
    monkeypatch.setattr("tasks.importer.source.MAX_TEXT_CHARS", 1000)
    text = fixture_text(XIANGTAN)
    with pytest.raises(DocumentError, match="文件文字过多.*请拆分"):
        from_bytes(text.encode(), "plan.txt")


def test_doc_is_converted_with_libreoffice_when_installed():
    from .document_builders import convert_with_soffice, soffice_missing

    reason = soffice_missing()
    if reason:
        pytest.skip(f".doc conversion not tested: {reason}")
    text = fixture_text(XIANGTAN)
    doc = convert_with_soffice(docx_from_text(text), ".docx", "doc")

    assert detect_format(doc) == "doc"
    assert assignments(from_bytes(doc, "plan.doc")) == assignments(parse_document(text))


def test_doc_without_libreoffice_asks_to_save_as_docx(monkeypatch):
    monkeypatch.setattr("tasks.importer.source.shutil.which", lambda name: None)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048
    with pytest.raises(DocumentError, match="另存为 .docx"):
        extract_source(ole, "plan.doc")
    with pytest.raises(DocumentError, match="另存为 .docx"):
        extract_source(ole, "plan.wps")


# --- year ----------------------------------------------------------------------------------


def test_year_comes_from_the_doc_number_when_the_title_has_none():
    parsed = parse_document(
        HEADER.replace("2017年9月30日\n", "")
        + "一、提升审批效率\n1.压缩企业开办时间。(牵头单位:市市场监管局;完成时限:6月底)\n"
    )
    assert parsed.year == 2017
    assert parsed.tasks[0].deadline.due_on == date(2017, 6, 30)


def test_document_without_any_year_is_refused_unless_a_year_is_given():
    text = "优化营商环境若干措施\n一、提升审批效率\n1.压缩企业开办时间。(牵头单位:市市场监管局;完成时限:6月底)\n"
    with pytest.raises(DocumentError, match="没有写明方案年度"):
        parse_document(text)
    assert parse_document(text, year=2019).tasks[0].deadline.due_on == date(2019, 6, 30)

"""Make Word, PDF and Excel copies of a plan for the format tests.

The .docx has one paragraph per line of the text, a running header and footer and a
抄送/印发 block; the PDF is the text printed by Chromium with a running header and
`— N —` page numbers; the .xlsx is a 责任分解表 written from a parsed plan.
"""

import html
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from printing.pdf import pdf_from_html, pdf_unavailable_reason


def chromium_missing() -> str | None:
    """Why PDFs cannot be printed here, or None (the server's own check)."""
    return pdf_unavailable_reason()


def docx_from_text(
    text: str, *, header: str = "", footer: str = "", distribution: bool = True
) -> bytes:
    import docx

    document = docx.Document()
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    for line in text.splitlines():
        if line.strip():
            document.add_paragraph(line)
    if distribution:
        document.add_paragraph("抄送:省委办公厅,省人大常委会办公厅。")
        document.add_paragraph("市人民政府办公室                2021年3月1日印发")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_from_text(text: str, *, header: str = "内部资料 注意保存") -> bytes:
    """Print the text with Chromium: A4, a running header, `— N —` page numbers (the
    server's printing helper, its CSS margin boxes)."""
    paragraphs = "\n".join(
        f"<p>{html.escape(line.strip())}</p>" for line in text.splitlines() if line.strip()
    )
    running = header.replace("\\", "").replace('"', "")
    page = f"""<!doctype html><html><head><meta charset="utf-8"><style>
      @page {{ size: A4; margin: 28mm 26mm 28mm 28mm;
        @top-center {{ content: "{running}"; font-size: 9pt; }}
        @bottom-center {{ content: "— " counter(page) " —"; font-size: 10pt; }} }}
      body {{ font-family: "WenQuanYi Micro Hei", sans-serif; font-size: 15pt; line-height: 1.6; }}
      p {{ margin: 0; text-indent: 2em; text-align: justify; }}
    </style></head><body>{paragraphs}</body></html>"""
    return pdf_from_html(page)


def xlsx_from_plan(parsed, *, title_rows: list[str] | None = None) -> bytes:
    """A 责任分解表: title row(s), a header row, a merged row per section, a row per task."""
    import openpyxl

    from tasks.importer.units import find_unit_bracket

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "任务分解"
    for row in title_rows or [parsed.title]:
        sheet.append([row])
        sheet.merge_cells(
            start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=5
        )
    sheet.append(["序号", "重点任务", "牵头单位", "责任单位", "完成时限"])
    section = None
    for task in parsed.tasks:
        if task.section_index is not None and task.section_index != section:
            section = task.section_index
            heading = parsed.sections[section]
            sheet.append([f"{heading.numeral}、{heading.title}"] * 1)
            sheet.merge_cells(
                start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=5
            )
        deadline = task.deadline.text or ("长期坚持" if task.deadline.is_ongoing else "")
        span = find_unit_bracket(task.body)
        content = task.body[: span[0]] + task.body[span[1] :] if span else task.body
        sheet.append(
            [
                task.number,
                content.replace("\n", ""),
                "、".join(task.lead_units),
                "、".join(task.responsible_units),
                deadline,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def soffice_missing() -> str | None:
    return None if shutil.which("soffice") else "LibreOffice (soffice) 未安装"


def convert_with_soffice(data: bytes, suffix: str, target: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"document{suffix}"
        source.write_bytes(data)
        subprocess.run(
            ["soffice", "--headless", "--convert-to", target, "--outdir", folder, str(source)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return source.with_suffix(f".{target}").read_bytes()

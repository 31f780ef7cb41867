"""Excel (.xlsx) task tables: a title row, a header row found by its names, one row per task.

Every sheet with a recognisable header row is read, in order; a merged row spanning
the table is a section heading. Rows above the header (title, 文号, date) are kept as
the document's header lines.
"""

import io

from .parsed import DocumentError

_MAX_ROWS = 20000
_MAX_COLUMNS = 40


def xlsx_sheets(data: bytes) -> list[tuple[str, list[list]]]:
    """(sheet name, rows of cell values) per sheet; merged cells carry their value over."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:
        raise DocumentError(f"Excel 文件已损坏或不是 .xlsx 工作簿({type(exc).__name__})") from exc
    sheets = []
    try:
        for sheet in workbook.worksheets:
            if sheet.max_row > _MAX_ROWS:
                raise DocumentError(f"工作表“{sheet.title}”行数过多(上限 {_MAX_ROWS} 行)")
            width = min(sheet.max_column or 0, _MAX_COLUMNS)
            rows = [list(row) for row in sheet.iter_rows(max_col=width, values_only=True)]
            for merged in sheet.merged_cells.ranges:
                value = sheet.cell(merged.min_row, merged.min_col).value
                for r in range(merged.min_row, min(merged.max_row, len(rows)) + 1):
                    for c in range(merged.min_col, min(merged.max_col, width) + 1):
                        rows[r - 1][c - 1] = value
            sheets.append((sheet.title, rows))
    finally:
        workbook.close()
    return sheets

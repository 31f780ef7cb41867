"""PDF with a text layer: lines joined into paragraphs across page breaks, tables as tables.

Running headers and footers are the lines near the top or bottom of the page that
repeat on most pages (digits ignored), and page numbers such as `— 3 —`, `- 3 -`,
`第3页` or `3/12`. A printed line reaching the right margin continues on the next line
unless that one is indented: that is how paragraphs are told apart from wrapped lines.
"""

import io
import logging
import re

from .parsed import DocumentError

_PAGE_NUMBER_RE = re.compile(
    r"^(?:[-—–－─_\s]*\d{1,4}[-—–－─_\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page\s*)?\d{1,4}\s*(?:of|/)\s*\d{1,4})$",
    re.IGNORECASE,
)
# Justified lines spread their characters; pdfplumber then sees spaces between them.
_SPREAD_SPACE_RE = re.compile(
    r"(?<=[^\x00-\x7f]) +(?=[^\x00-\x7f,.;:!?)\]])"
    r"|(?<=[^\x00-\x7f]) +(?=[,.;:!?)\]])"
    r"|(?<=[,.;:!?(\[]) +(?=[^\x00-\x7f])"
)
_MARGIN_SHARE = 0.1
# pdfminer logs every odd font of a damaged or unusual PDF; the import reports what matters.
logging.getLogger("pdfminer").setLevel(
    logging.ERROR
)  # headers and footers sit in the top and bottom tenth of a page
_MAX_PAGES = 2000


class _Line:
    """A printed line with its position on the page."""

    def __init__(self, page, top, bottom, x0, x1, size, text, page_height):
        self.page, self.top, self.bottom = page, top, bottom
        self.x0, self.x1, self.size, self.text = x0, x1, size, text
        self.page_height = page_height


def _is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER_RE.match(text.strip()))


def _margin_key(text: str) -> str:
    return re.sub(r"\d+", "0", re.sub(r"\s+", "", text))


def _open(data: bytes):
    import pdfplumber

    if b"/Encrypt" in data[-4096:] or b"/Encrypt" in data[:4096]:
        try:
            pdf = pdfplumber.open(io.BytesIO(data))
            pdf.pages[0].extract_text()
            return pdf  # encrypted with an empty user password only: readable
        except Exception as exc:
            raise DocumentError("PDF 文件已加密(设有密码),请提供未加密的文件") from exc
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        _ = pdf.pages
    except Exception as exc:
        name = type(exc).__name__
        if "Password" in name or "Encrypt" in name:
            raise DocumentError("PDF 文件已加密(设有密码),请提供未加密的文件") from exc
        raise DocumentError(f"PDF 文件已损坏,无法读取({name})") from exc
    return pdf


def pdf_blocks(data: bytes) -> list:
    """Paragraph strings and tables (lists of rows) of a PDF, in reading order."""
    pdf = _open(data)
    try:
        return _read(pdf)
    except DocumentError:
        raise
    except Exception as exc:
        name = type(exc).__name__
        if "Password" in name or "Encrypt" in name:
            raise DocumentError("PDF 文件已加密(设有密码),请提供未加密的文件") from exc
        raise DocumentError(f"PDF 文件已损坏,无法读取({name})") from exc
    finally:
        pdf.close()


def _read(pdf) -> list:
    pages = pdf.pages
    if len(pages) > _MAX_PAGES:
        raise DocumentError(f"PDF 页数过多({len(pages)} 页,上限 {_MAX_PAGES} 页)")
    items: list[tuple[int, float, object]] = []  # (page, top, _Line or table rows)
    lines: list[_Line] = []
    has_chars = False
    for number, page in enumerate(pages):
        if page.chars:
            has_chars = True
        else:
            continue
        tables = page.find_tables()
        boxes = [table.bbox for table in tables]
        for table in tables:
            rows = [[cell or "" for cell in row] for row in table.extract()]
            items.append((number, table.bbox[1], rows))

        def outside(obj, boxes=boxes):
            x = (obj["x0"] + obj["x1"]) / 2
            y = (obj["top"] + obj["bottom"]) / 2
            return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

        text_page = page.filter(outside) if boxes else page
        for found in text_page.extract_text_lines(layout=False, strip=True):
            text = _SPREAD_SPACE_RE.sub("", found["text"])
            if not text.strip():
                continue
            chars = found.get("chars") or []
            size = chars[0]["size"] if chars else 10.0
            lines.append(
                _Line(
                    number,
                    found["top"],
                    found["bottom"],
                    found["x0"],
                    found["x1"],
                    size,
                    text,
                    page.height,
                )
            )
    if not has_chars:
        raise DocumentError(
            "扫描件,没有可提取的文字:这个 PDF 只有图像,请提供带文字层的 PDF 或 Word 文件"
        )
    lines = _drop_running_lines(lines, len(pages))
    items.extend((line.page, line.top, line) for line in lines)
    items.sort(key=lambda item: (item[0], item[1]))
    return _join(items)


def _drop_running_lines(lines: list[_Line], page_count: int) -> list[_Line]:
    """Remove page numbers and headers/footers repeated on most pages."""

    def in_margin(line: _Line) -> bool:
        height = line.page_height
        return line.top < height * _MARGIN_SHARE or line.bottom > height * (1 - _MARGIN_SHARE)

    pages_of: dict[str, set[int]] = {}
    for line in lines:
        if in_margin(line):
            pages_of.setdefault(_margin_key(line.text), set()).add(line.page)
    repeated = {
        key for key, pages in pages_of.items() if len(pages) >= 2 and len(pages) >= page_count / 2
    }
    kept = []
    for line in lines:
        if _is_page_number(line.text):
            continue
        if in_margin(line) and _margin_key(line.text) in repeated:
            continue
        kept.append(line)
    return kept


def _join(items) -> list:
    """Join wrapped lines into paragraphs; a table ends the paragraph before it."""
    text_lines = [item[2] for item in items if isinstance(item[2], _Line)]
    if not text_lines:
        return [item[2] for item in items]
    right = max(line.x1 for line in text_lines)
    left = min(line.x0 for line in text_lines)
    blocks: list = []
    paragraph: list[str] = []
    previous: _Line | None = None
    for _, _, item in items:
        if not isinstance(item, _Line):
            if paragraph:
                blocks.append("".join(paragraph))
                paragraph = []
            blocks.append(item)
            previous = None
            continue
        width = item.size or 10.0
        continues = (
            previous is not None
            and previous.x1 >= right - 1.5 * width
            and item.x0 <= left + 0.8 * width
        )
        if continues:
            # Latin words wrapped at a space keep it; Chinese text has none.
            ends, starts = previous.text[-1:], item.text[:1]
            latin = ends.isascii() and ends.isalpha() and starts.isascii() and starts.isalpha()
            glue = " " if latin else ""
            paragraph.append(glue + item.text)
        else:
            if paragraph:
                blocks.append("".join(paragraph))
            paragraph = [item.text]
        previous = item
    if paragraph:
        blocks.append("".join(paragraph))
    return blocks

"""Word (.docx): paragraphs and tables in document order, with Word's automatic numbering.

`paragraph.text` leaves out list numbers Word generates (`w:numPr` pointing into
numbering.xml), so they are computed here: one counter per list and level, formatted
with the level's `w:numFmt` and `w:lvlText` (`%1.`, `(%1)`, `%1、`). Headers and footers
live outside the body and are never read.
"""

import io

from .parsed import DocumentError
from .tables import chinese_numeral

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _attr(element, name: str):
    return None if element is None else element.get(f"{_W}{name}")


def _format_number(value: int, fmt: str) -> str:
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "ideographTraditional",
        "chineseLegalSimplified",
        "japaneseCounting",
        "taiwaneseCounting",
        "ideographDigital",
    ):
        return chinese_numeral(value) if 0 < value < 100 else str(value)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return _CIRCLED[value - 1] if 0 < value <= len(_CIRCLED) else str(value)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "lowerLetter":
        return chr(ord("a") + (value - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (value - 1) % 26)
    if fmt == "lowerRoman" or fmt == "upperRoman":
        numerals = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
        roman = numerals[value - 1] if 0 < value <= 10 else str(value)
        return roman.upper() if fmt == "upperRoman" else roman
    return str(value)


class _Numbering:
    """List numbers of numbered paragraphs, counted in document order."""

    def __init__(self, document):
        self.levels: dict[tuple[str, int], tuple[int, str, str]] = {}
        self.abstract_of: dict[str, str] = {}
        self.start_override: dict[tuple[str, int], int] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.style_numbering: dict[str, tuple[str, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            root = None
        abstract_levels: dict[str, dict[int, tuple[int, str, str]]] = {}
        if root is not None:
            for abstract in root.iter(f"{_W}abstractNum"):
                levels = abstract_levels.setdefault(_attr(abstract, "abstractNumId"), {})
                for lvl in abstract.iter(f"{_W}lvl"):
                    start = _attr(lvl.find(f"{_W}start"), "val")
                    fmt = _attr(lvl.find(f"{_W}numFmt"), "val") or "decimal"
                    text = _attr(lvl.find(f"{_W}lvlText"), "val") or ""
                    levels[int(_attr(lvl, "ilvl") or 0)] = (int(start or 1), fmt, text)
            for num in root.iter(f"{_W}num"):
                num_id = _attr(num, "numId")
                abstract_id = _attr(num.find(f"{_W}abstractNumId"), "val")
                self.abstract_of[num_id] = abstract_id
                for ilvl, level in abstract_levels.get(abstract_id, {}).items():
                    self.levels[(num_id, ilvl)] = level
                for override in num.iter(f"{_W}lvlOverride"):
                    start = _attr(override.find(f"{_W}startOverride"), "val")
                    if start is not None:
                        self.start_override[(num_id, int(_attr(override, "ilvl") or 0))] = int(
                            start
                        )
        for style in document.styles:
            ppr = style.element.find(f"{_W}pPr")
            num_pr = ppr.find(f"{_W}numPr") if ppr is not None else None
            if num_pr is not None:
                num_id = _attr(num_pr.find(f"{_W}numId"), "val")
                ilvl = _attr(num_pr.find(f"{_W}ilvl"), "val")
                self.style_numbering[style.style_id] = (num_id, int(ilvl or 0))

    def label(self, paragraph_element) -> str:
        """The list number Word shows before this paragraph, or ""."""
        ppr = paragraph_element.find(f"{_W}pPr")
        if ppr is None:
            return ""
        num_pr = ppr.find(f"{_W}numPr")
        num_id = ilvl = None
        if num_pr is not None:
            num_id = _attr(num_pr.find(f"{_W}numId"), "val")
            ilvl = _attr(num_pr.find(f"{_W}ilvl"), "val")
        style_id = _attr(ppr.find(f"{_W}pStyle"), "val")
        if num_id is None and style_id in self.style_numbering:
            num_id, style_level = self.style_numbering[style_id]
            ilvl = ilvl if ilvl is not None else style_level
        if not num_id or num_id == "0":
            return ""
        level = int(ilvl or 0)
        if (num_id, level) not in self.levels:
            return ""
        # Lists sharing an abstract definition count on together, as Word does,
        # unless the instance restarts with a start override.
        key = self.abstract_of.get(num_id, num_id)
        if (num_id, level) in self.start_override and num_id not in self.counters:
            key = num_id
        counters = self.counters.setdefault(key, {})
        start, fmt, text = self.levels[(num_id, level)]
        start = self.start_override.get((num_id, level), start)
        counters[level] = counters[level] + 1 if level in counters else start
        for deeper in [lvl for lvl in counters if lvl > level]:
            del counters[deeper]
        if fmt in ("bullet", "none"):
            return ""
        label = text
        for lvl in range(level + 1):
            if f"%{lvl + 1}" in label:
                lvl_fmt = self.levels.get((num_id, lvl), (1, "decimal", ""))[1]
                value = counters.get(lvl, self.levels.get((num_id, lvl), (1,))[0])
                label = label.replace(f"%{lvl + 1}", _format_number(value, lvl_fmt))
        return label


def _paragraph_text(element) -> str:
    """The visible text of a `w:p`: runs, tabs and breaks, no deleted text."""
    parts = []
    for node in element.iter():
        tag = node.tag
        if tag == f"{_W}t":
            parts.append(node.text or "")
        elif tag == f"{_W}tab":
            parts.append(" ")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


def _table_rows(table_element, numbering: _Numbering) -> list[list[str]]:
    rows = []
    for tr in table_element.iter(f"{_W}tr"):
        cells = []
        for tc in tr.findall(f"{_W}tc"):
            paragraphs = []
            for p in tc.iter(f"{_W}p"):
                label = numbering.label(p)
                text = _paragraph_text(p)
                paragraphs.append(f"{label}{text}" if label else text)
            value = "\n".join(p for p in paragraphs if p.strip())
            span = (
                _attr(tc.find(f"{_W}tcPr/{_W}gridSpan"), "val")
                if tc.find(f"{_W}tcPr") is not None
                else None
            )
            vmerge = tc.find(f"{_W}tcPr/{_W}vMerge")
            if vmerge is not None and _attr(vmerge, "val") != "restart" and rows:
                # A vertically merged cell repeats the value above it.
                above = rows[-1]
                value = above[len(cells)] if len(cells) < len(above) else value
            cells.extend([value] * int(span or 1))
        rows.append(cells)
    return rows


def docx_blocks(data: bytes) -> list:
    """The body in order: a str per paragraph (with its list number), a list of rows per table."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise DocumentError(f"Word 文件已损坏或不是 .docx 文档({exc})") from exc
    except Exception as exc:  # lxml and zipfile errors on damaged files
        raise DocumentError(f"Word 文件已损坏,无法读取({type(exc).__name__})") from exc
    numbering = _Numbering(document)
    blocks: list = []
    for child in document.element.body.iterchildren():
        if child.tag == f"{_W}p":
            label = numbering.label(child)
            text = _paragraph_text(child)
            if label and text.strip():
                text = f"{label}{text.lstrip()}"
            blocks.extend(text.split("\n"))
        elif child.tag == f"{_W}tbl":
            blocks.append(_table_rows(child, numbering))
    return blocks

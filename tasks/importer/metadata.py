"""Plan metadata: title, 文号, issuing body, signing date and year.

Everything is read from the document itself. The header is the part above the
standalone signing date (`2020年2月22日`); a web page's own "发布日期/发文日期" lines
are page chrome and never trusted.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from .structure import is_attachment_marker, match_heading, match_item
from .text import CJK, Line, chinese_numeral_value, is_page_chrome
from .units import ends_with_org_suffix

_DATE_LINE_RE = re.compile(
    r"^[(（]?\s*(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*[)）]?$"
)
_CN_DATE_LINE_RE = re.compile(
    r"^[(（]?(?P<y>[〇○零O一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月"
    r"\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日[)）]?$"
)
# A signature and its date on one line, as web copies often print them:
# `永宁县人民政府办公室  2022年3月15日`.
_SIGNED_DATE_RE = re.compile(
    rf"^(?P<signature>[{CJK}（）() ]{{2,60}}?)\s+"
    r"(?P<date>(?:\d{4}|[〇○零O一二三四五六七八九]{4})\s*年.*日[)）]?)$"
)
_NOTICE_RE = re.compile(r"^(?P<issuer>.*?)关于印发(?P<name>.+?)的通知$")
_QUOTE_CONTEXT_AFTER = ("已经", "已", "现", "印发", "经")
_QUOTE_CONTEXT_BEFORE = ("现将", "现把", "将", "把", "印发")
_SENTENCE_END = "。,，;；:：!！?？、"
_SIGNATURE_MAX = 60
_YEAR_RE = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")

_BRACKET_OPEN = "〔[［【(（"
_BRACKET_CLOSE = "〕]］】)）"
_OPEN_CLASS = re.escape(_BRACKET_OPEN)
_CLOSE_CLASS = re.escape(_BRACKET_CLOSE)
_DOC_NUMBER_RE = re.compile(
    rf"(?P<org>[{CJK}]{{1,12}})\s*[{_OPEN_CLASS}]\s*(?P<y>\d{{4}})\s*[{_CLOSE_CLASS}]"
    r"\s*(?P<n>\d{1,4})\s*号"
)
# A damaged copy such as `冷优组发2021〕3`: accepted only when nothing better exists.
_BROKEN_DOC_NUMBER_RE = re.compile(
    rf"^(?P<org>[{CJK}]{{1,12}})\s*(?P<open>[{_OPEN_CLASS}])?\s*(?P<y>\d{{4}})\s*"
    rf"(?P<close>[{_CLOSE_CLASS}])?\s*(?P<n>\d{{1,4}})\s*(?P<hao>号)?$"
)
_DOC_NUMBER_LABEL_RE = re.compile(r"^(?:文\s*号|发文字号)\s*[:：]")
_HEADING_FALLBACK_LINES = 3


@dataclass
class Metadata:
    title: str = ""
    doc_number: str = ""
    issuer: str = ""
    issued_on: date | None = None
    year: int | None = None
    body_start: int = 0  # index of the first line after the header
    warnings: list[str] = field(default_factory=list)


def parse_date_line(text: str) -> date | None:
    """Date of a line holding nothing but a date (`2020年2月22日`, `二〇二〇年二月二十二日`)."""
    match = _DATE_LINE_RE.match(text)
    try:
        if match:
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
        match = _CN_DATE_LINE_RE.match(text)
        if match:
            year, month, day = (chinese_numeral_value(match[key]) for key in ("y", "m", "d"))
            if None not in (year, month, day):
                return date(year, month, day)
    except ValueError:
        return None
    return None


def parse_signed_date_line(text: str) -> tuple[str, date] | None:
    """(signature, date) of a line holding a signature followed by the signing date."""
    match = _SIGNED_DATE_RE.match(text)
    if not match:
        return None
    signed_on = parse_date_line(match["date"])
    signature = match["signature"].strip()
    if signed_on is None or not _is_signature(signature) or not ends_with_org_suffix(signature):
        return None
    return signature, signed_on


def _line_date(text: str) -> date | None:
    """Signing date of a date line, with or without the signature in front of it."""
    signed = parse_signed_date_line(text)
    return signed[1] if signed else parse_date_line(text)


def _is_structural(text: str) -> bool:
    return match_heading(text) is not None or match_item(text) is not None


def extract_quoted(text: str, start: int) -> str | None:
    """Text of the balanced 《…》 opening at `start`; nested 《》 are allowed."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "《":
            depth += 1
        elif text[index] == "》":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index]
    return None


def normalise_title(title: str) -> str:
    """Nested title marks `<…>` and `〈…〉` inside a quoted title become `《…》`."""
    for old, new in (("<", "《"), (">", "》"), ("〈", "《"), ("〉", "》")):
        title = title.replace(old, new)
    return re.sub(r"\s+", "", title)


def _quoted_titles(text: str):
    """Yield (quoted text, text before, text after) for each top-level 《…》 of a line."""
    index = 0
    while True:
        start = text.find("《", index)
        if start < 0:
            return
        quoted = extract_quoted(text, start)
        if quoted is None:
            return
        end = start + len(quoted) + 2
        yield quoted, text[:start], text[end:]
        index = end


def find_title(header: list[Line], body: list[Line]) -> str:
    """The plan's name as the notice quotes it, else the unquoted notice title, else the heading.

    The heading is looked for under the signing date, then above it when a page
    prints the plan's name and its signature before the date and the body.
    """
    texts = [line.text for line in header if not is_page_chrome(line.text)]
    for text in texts:
        for quoted, before, after in _quoted_titles(text):
            if before.endswith("关于印发") and after.startswith("的通知"):
                return normalise_title(quoted)
    for text in texts:
        for quoted, before, after in _quoted_titles(text):
            if after.startswith(_QUOTE_CONTEXT_AFTER) or before.endswith(_QUOTE_CONTEXT_BEFORE):
                return normalise_title(quoted)
    for text in texts:
        match = _NOTICE_RE.match(text)
        if match and "《" not in match["name"]:
            return normalise_title(match["name"])
    above_signature = list(header)
    while above_signature and is_page_chrome(above_signature[-1].text):
        above_signature.pop()
    if above_signature and _is_signature(above_signature[-1].text):
        above_signature.pop()
    # A table's title row above its date (an Excel 分解表) is the title, not a signature.
    title = (
        find_heading_title(body)
        or find_heading_title(above_signature)
        or find_heading_title(header[:1])
    )
    # `…的实施意见(池政〔2017〕101号)`: the 文号 printed after the title is not part of it.
    return re.sub(r"[(（][^()（）]*〔\d{4}〕[^()（）]*[)）]$", "", title)


def find_heading_title(lines: list[Line]) -> str:
    """The plan's own heading: its first line(s) that are not sentences (may wrap)."""
    parts: list[str] = []
    for line in lines:
        text = line.text
        if text[0] in "(（" and text[-1] in ")）":
            # `(此件主动公开)` above the heading, `(X政发〔2024〕2号)` under it.
            if parts:
                break
            continue
        if is_page_chrome(text) or (is_attachment_marker(text) and not parts):
            continue
        if _is_structural(text) or text.endswith(tuple(_SENTENCE_END)) or parse_date_line(text):
            break
        parts.append(text)
        if len(parts) == _HEADING_FALLBACK_LINES:
            break
    return normalise_title("".join(parts))


def find_doc_number(header: list[Line]) -> tuple[str, bool]:
    """(文号, is_well_formed) from the header; ("", False) when there is none."""
    texts = [line.text for line in header]

    def well_formed(match: re.Match) -> str:
        return f"{match['org']}〔{match['y']}〕{match['n']}号"

    candidates: list[tuple[int, str]] = []
    for text in texts:
        for match in _DOC_NUMBER_RE.finditer(text):
            if re.search(r"》\s*[(（〔]\s*$", text[: match.start()]):
                continue  # `《…》(国办发〔2019〕39号)` cites another document
            if match.start() == 0 and match.end() == len(text):
                rank = 0  # a line of its own, as printed under the masthead
            elif _DOC_NUMBER_LABEL_RE.match(text):
                rank = 1
            elif match.start() == 0 or text[match.start() - 1] in _BRACKET_OPEN:
                rank = 2
            else:
                rank = 3
            candidates.append((rank, well_formed(match)))
    if candidates:
        return min(candidates, key=lambda candidate: candidate[0])[1], True
    for text in texts:
        match = _BROKEN_DOC_NUMBER_RE.match(text)
        if match and (match["open"] or match["close"]) and not _is_structural(text):
            return well_formed(match), False
    return "", False


def _is_signature(text: str) -> bool:
    return (
        len(text) <= _SIGNATURE_MAX
        and not text.endswith(tuple(_SENTENCE_END))
        and not any(mark in text for mark in '《“"')
        and text[0] not in "(（"
        and not _is_structural(text)
        and parse_date_line(text) is None
    )


def _with_place(issuer: str, title: str) -> str:
    """`市人民政府办公室` + title `襄阳市…` → `襄阳市人民政府办公室`."""
    if not issuer or issuer[0] not in "省市州县区":
        return issuer
    position = title.find(issuer[0], 1)
    if 1 <= position <= 6 and re.fullmatch(f"[{CJK}]+", title[:position]):
        return title[: position + 1] + issuer[1:]
    return issuer


def find_issuer(lines: list[Line], date_index: int | None, title: str, header: list[Line]) -> str:
    """The signature line above the signing date (or before it on the same line), else
    X in "X关于印发…的通知", where X may stand on the line above "关于印发…"."""
    if date_index is not None:
        signed = parse_signed_date_line(lines[date_index].text)
        if signed:
            return signed[0]
        for line in reversed(lines[:date_index]):
            if is_page_chrome(line.text):
                continue
            if _is_signature(line.text):
                return line.text
            break
    for index, line in enumerate(header):
        match = _NOTICE_RE.match(line.text)
        if match and match["issuer"].strip():
            return _with_place(match["issuer"].strip(), title)
        if line.text.startswith("关于印发") and index > 0:
            above = header[index - 1].text
            if _is_signature(above) and ends_with_org_suffix(above):
                return _with_place(above, title)
    # `池州市人民政府关于创优…的实施意见`: the body named before 关于 in the title.
    match = re.match(r"^(?P<issuer>.{2,30}?)关于", title)
    if match and ends_with_org_suffix(match["issuer"]) and _is_signature(match["issuer"]):
        return match["issuer"]
    return ""


def extract_metadata(lines: list[Line]) -> Metadata:
    """Read the header of a plan; `body_start` says where its body begins."""
    meta = Metadata()
    first_structural = next(
        (i for i, line in enumerate(lines) if _is_structural(line.text)), len(lines)
    )
    dated = [
        (i, _line_date(line.text))
        for i, line in enumerate(lines)
        if not is_page_chrome(line.text) and _line_date(line.text)
    ]
    in_header = [(i, day) for i, day in dated if i < first_structural]
    date_index = None
    if in_header:
        date_index, meta.issued_on = in_header[0]
        meta.body_start = date_index + 1
        header = lines[:date_index]
    else:
        header = lines[:first_structural]
        if dated:  # signed at the end of the document
            date_index, meta.issued_on = dated[-1]

    meta.title = find_title(header, lines[meta.body_start :])
    meta.doc_number, well_formed = find_doc_number(header)
    if meta.doc_number and not well_formed:
        meta.warnings.append(f"文号“{meta.doc_number}”在原文中不完整,请核对")
    # Joint issuers are printed side by side: `中共X县委办公室  X县人民政府办公室`.
    meta.issuer = re.sub(r"\s+", " ", find_issuer(lines, date_index, meta.title, header))

    year = _YEAR_RE.search(meta.title)
    if year:
        meta.year = int(year.group(1))
    elif meta.issued_on:
        meta.year = meta.issued_on.year

    if not meta.title:
        meta.warnings.append("未识别到方案标题,请核对原文")
    if meta.issued_on is None:
        meta.warnings.append("未识别到成文日期,请核对原文")
    if not meta.issuer:
        meta.warnings.append("未识别到发文单位,请核对原文")
    return meta

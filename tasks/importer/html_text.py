"""Web pages saved from a government site: the article body and the page's metadata.

Navigation, breadcrumbs, scripts and footers are dropped; the article is the container
named like one (`TRS_Editor`, `zoom`, `article`, `content`…) holding the most text, else
the page body. The 索引号 table most sites print above the article gives 发文机关,
发文日期/成文日期 and 文号, which the plan uses where its own text lacks them.
"""

import re
from datetime import date

from .parsed import DocumentError

_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "iframe",
    "form",
    "button",
    "select",
    "svg",
    "head",
)
_BLOCK_TAGS = {
    "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
    "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "center", "td", "th", "tbody", "thead",
}  # fmt: skip
_ARTICLE_RE = re.compile(
    r"trs_editor|trs_paper|zoom|article|content|zwnr|pages_content|main[-_]?text|detail|"
    r"view|wzzw|news_con|textbox|text|ccontent|con_text|zw",
    re.IGNORECASE,
)
_CHROME_RE = re.compile(
    r"nav|menu|breadcrumb|crumb|position|location|footer|header|sidebar|share|print|"
    r"related|xgwz|link|search|toolbar|bottom|top",
    re.IGNORECASE,
)
_META_LABELS = {
    "issuer": r"发文机关|发布机构|发文单位|发布单位",
    "issued_on": r"成文日期|发文日期",
    "doc_number": r"文\s*号|发文字号",
    "title": r"标\s*题|名\s*称",
}
_DATE_RE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")


def _label_value(text: str, key: str) -> str | None:
    match = re.match(rf"^\s*(?:{_META_LABELS[key]})\s*[:：]\s*(.*)$", text)
    return match.group(1).strip() if match else None


def _metadata(soup) -> dict:
    """发文机关 / 发文日期 / 文号 / 标题 from label cells or `标签:值` lines of the page."""
    found: dict = {}
    texts = [
        " ".join(node.get_text(" ").split())
        for node in soup.find_all(["td", "th", "li", "span", "p", "div", "dt", "dd"])
    ]
    for node in soup.find_all(["td", "th", "dt", "span", "b", "strong", "label"]):
        label = re.sub(r"\s|[:：]", "", node.get_text())
        for key, pattern in _META_LABELS.items():
            if key in found or not re.fullmatch(rf"(?:{pattern})", label):
                continue
            sibling = node.find_next_sibling(["td", "dd", "span", "th"])
            if sibling is not None:
                value = " ".join(sibling.get_text(" ").split())
                if value:
                    found[key] = value
    for text in texts:
        if len(text) > 120:
            continue
        for part in re.split(r"\s{2,}|\s(?=\S+[:：])", text):
            for key in _META_LABELS:
                value = _label_value(part, key)
                if value and key not in found:
                    found[key] = value
    if "issued_on" in found:
        match = _DATE_RE.search(found["issued_on"])
        try:
            found["issued_on"] = date(*map(int, match.groups())) if match else None
        except ValueError:
            found["issued_on"] = None
        if found["issued_on"] is None:
            del found["issued_on"]
    return found


def _score(node) -> float:
    text = node.get_text("", strip=True)
    links = sum(len(a.get_text("", strip=True)) for a in node.find_all("a"))
    return len(text) - 2 * links


def _article(soup):
    candidates = []
    for node in soup.find_all(["div", "article", "section", "td", "main"]):
        names = " ".join([node.get("id") or "", *(node.get("class") or [])])
        if names and _ARTICLE_RE.search(names) and not _CHROME_RE.fullmatch(names.strip()):
            candidates.append(node)
    candidates = [node for node in candidates if _score(node) > 200]
    if candidates:
        best = max(candidates, key=_score)
        # Prefer the innermost container holding nearly all of the best one's text.
        inner = [
            node
            for node in candidates
            if node in best.descendants and _score(node) >= 0.9 * _score(best)
        ]
        return inner[-1] if inner else best
    return soup.body or soup


def html_blocks(data: bytes) -> tuple[list, dict]:
    """(paragraph strings and tables in order, page metadata) of a saved web page."""
    from bs4 import BeautifulSoup

    if not re.search(rb"charset", data[:4096], re.IGNORECASE):
        # No declared charset: UTF-8, else GB18030, as for text files (no guessing).
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            data = data.decode("gb18030", errors="replace")
    try:
        soup = BeautifulSoup(data, "html.parser")
    except Exception as exc:
        raise DocumentError(f"网页文件无法解析({type(exc).__name__})") from exc
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    meta = _metadata(soup)
    article = _article(soup)
    if "title" not in meta:
        heading = soup.find(["h1"]) or soup.find(class_=re.compile("title", re.IGNORECASE))
        if heading is not None and heading.get_text(strip=True):
            meta["page_title"] = " ".join(heading.get_text(" ").split())
    blocks: list = []
    _walk(article, blocks, [])
    if not any(isinstance(block, list) or block.strip() for block in blocks):
        raise DocumentError("网页中没有正文内容")
    return blocks, meta


def _walk(node, blocks: list, line: list[str]) -> None:
    from bs4 import NavigableString, Tag

    def flush():
        if line:
            blocks.extend("".join(line).split("\n"))
            line.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child).__name__ in (
                "Comment",
                "Doctype",
                "Declaration",
                "ProcessingInstruction",
            ):
                continue
            line.append(re.sub(r"[\r\n\t]+", "", str(child)))
        elif isinstance(child, Tag):
            if child.name == "br":
                line.append("\n")
            elif child.name == "table":
                flush()
                rows = []
                for tr in child.find_all("tr"):
                    if tr.find_parent("table") is not child:
                        continue
                    cells = []
                    for cell in tr.find_all(["td", "th"], recursive=False):
                        value = "\n".join(
                            s.strip() for s in cell.get_text("\n").split("\n") if s.strip()
                        )
                        cells.extend(
                            [value]
                            * max(
                                1,
                                int(cell.get("colspan") or 1)
                                if str(cell.get("colspan") or "1").isdigit()
                                else 1,
                            )
                        )
                    rows.append(cells)
                blocks.append(rows)
            elif child.name in _BLOCK_TAGS:
                flush()
                _walk(child, blocks, line)
                flush()
            else:
                _walk(child, blocks, line)
    if node.name in _BLOCK_TAGS:
        flush()

"""Text cleaning: turn raw lines copied from web pages into clean simplified Chinese.

Every function here works on one string and returns a new one, so the parser can
keep the raw line next to its cleaned form (the raw text is stored per task).
"""

import html
import re
from functools import lru_cache
from typing import NamedTuple

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

# A tone-marked vowel is what tells pinyin apart from `(app)`-like Latin words.
_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_LETTERS = f"a-zü{_TONE_VOWELS}"
_PINYIN_RE = re.compile(
    rf"(?<=[{CJK}])[(（]"
    rf"(?=[{_PINYIN_LETTERS}]{{1,7}}[)）])"
    rf"[a-zü]*[{_TONE_VOWELS}][{_PINYIN_LETTERS}]*"
    r"[)）]"
)

_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# `０．５个工作日`: a full-width point between digits is a decimal point (item numbers
# such as `１．推进…` are followed by text, not a digit, and keep theirs).
_FULL_WIDTH_DECIMAL_RE = re.compile(r"(?<=\d)[．](?=\d)")
_INVISIBLE_RE = re.compile("[\u200b-\u200d\u2060\ufeff\u2800-\u28ff\x00]")
_SPACES_RE = re.compile("[\u00a0\u3000\t]")
# Whole tags (`<span class=…>`) and tag fragments (`/span>`) left by a careless copy.
# Tag names are ASCII, so nested Chinese title marks such as `<优化营商环境条例>` survive.
_HTML_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_HTML_FRAGMENT_RE = re.compile(
    r"(?<![A-Za-z])/?(?:span|div|p|br|font|strong|em|td|tr|th|tbody|table|li|ul|ol|a|b|i|img)\s*>"
    r"|<\s*/?(?:span|div|p|br|font|strong|em|td|tr|th|tbody|table|li|ul|ol|img)\b[^<>]*$"
)
_HTML_ENTITY_RE = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6});")
# Debris at a line start left by copying from a web page: `??` for lost full-width
# spaces, bullets, stray marks; then the stray spaces after them.
_LEADING_DEBRIS_RE = re.compile(r"^(?:[?？]{1,8}|[•·●○◆◇■□▪►➢※√■]+)\s*")

# Lines of page chrome: navigation, page metadata, footers. Matched on the cleaned line.
_CHROME_PATTERNS = [
    r"^(?:文章搜索|站内搜索|全文检索|打印|关闭)$",
    r"(?:您|你)(?:当前|现在)?(?:所在)?的?位置\s*[:：]",
    r"^当前位置",
    r"首页\s*[>＞›»]",
    r"(?:发布日期|发布时间|发文日期|成文日期|更新时间|更新日期)\s*[:：]",
    r"(?:查看|浏览|阅读|访问|点击)(?:次数|量|数)\s*[:：]",
    r"^分享到",
    r"^索引号",
    r"^网站首页",
    r"^(?:网站地图|联系我们|关于我们|上一篇|下一篇|相关链接|相关文章)",
    r"^(?:主办单位|承办单位|技术支持|主管单位|运维单位|网站标识码|网站标识)\s*[:：]",
    r"^(?:地\s*址|邮\s*编|电\s*话|传\s*真|邮\s*箱|E-?mail)\s*[:：]",
    r"ICP\s*备",
    r"公网安备",
    r"版权所有|Copyright|©",
    r"扫一扫在手机",
    r"【\s*(?:打印本页|关闭窗口|字体|打印|关闭|收藏|返回顶部)",
    r"^(?:打印本页|关闭窗口|返回顶部)",
    r"^(?:\d{4}-\d{1,2}-\d{1,2}\s*)?来\s*源\s*[:：]",
    r"责任编辑\s*[:：]",
    r"^(?:信息来源|信息发布|发布单位|作\s*者|阅\s*读|字\s*号|字\s*体|相关附件|附件下载)\s*[:：]",
    r"^(?:时\s*间|日\s*期)\s*[:：]\s*(?:\d{4}\s*[-/.]|$)",
    r"^分\s*享\s*[:：]?$",
    r"^[\[【]\s*(?:打印|关闭|收藏|纠错|我要纠错|字号|字体|大\s*中\s*小|返回|顶部|返回顶部)",
    r"^(?:打印|关闭|收藏|返回)(?:本页|窗口|顶部)?(?:\s*[|｜/]?\s*(?:打印|关闭|收藏|返回)(?:本页|窗口|顶部)?)+$",
    r"^(?:政务微信|政务微博|[×✕]|全文|内容全文)$",
    r"^(?:发文机关|发布机构|名\s*称|标\s*题|文\s*号|发文字号|分\s*类|主题分类|主题词|有效性|生效日期|失效日期)\s*[:：]",
]
_CHROME_RE = re.compile("|".join(f"(?:{pattern})" for pattern in _CHROME_PATTERNS), re.IGNORECASE)
_CHROME_MAX_LENGTH = 160  # long lines are prose, never navigation

# Signs of text decoded with the wrong charset: replacement and private-use characters,
# an ASCII `?` glued between CJK text (a lost double-byte character), classic GBK noise.
_GARBLED_RE = re.compile(rf"[\ufffd\ue000-\uf8ff]|[{CJK}]\?(?=[^\s?？])|锟斤拷|烫烫烫|屯屯屯")


class Line(NamedTuple):
    """One line of the document: as written, and cleaned."""

    raw: str
    text: str


@lru_cache(maxsize=1)
def _t2s_converter():
    """Create the OpenCC converter once, on first use (it loads dictionaries)."""
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional to Simplified Chinese (simplified text is left unchanged)."""
    if not text:
        return text
    return _t2s_converter().convert(text)


def strip_pinyin(text: str) -> str:
    """Drop the `(fā)` pinyin that some web pages print after characters."""
    return _PINYIN_RE.sub("", text)


def strip_html(text: str) -> str:
    """Remove HTML tags and tag fragments such as `/span>`."""
    text = _HTML_TAG_RE.sub("", text)
    text = _HTML_FRAGMENT_RE.sub("", text)
    if _HTML_ENTITY_RE.search(text):
        text = html.unescape(text)
    return text


def clean_line(raw: str) -> str:
    """Clean one raw line: NULs, pinyin, HTML debris, Traditional characters, digits."""
    text = _INVISIBLE_RE.sub("", raw)
    text = _SPACES_RE.sub(" ", text)
    text = strip_pinyin(text)
    text = strip_html(text)
    text = to_simplified(text)
    text = text.translate(_FULL_WIDTH_DIGITS)
    text = _FULL_WIDTH_DECIMAL_RE.sub(".", text)
    text = _SPACES_RE.sub(" ", text).strip()  # entities such as &#12288; are spaces too
    return _LEADING_DEBRIS_RE.sub("", text).strip()


def clean_text(raw: str) -> str:
    """Clean a whole text line by line (page chrome is kept: see `is_page_chrome`)."""
    return "\n".join(clean_line(line) for line in raw.splitlines())


def split_lines(raw: str) -> list[Line]:
    """Split a document into non-empty lines, each with its raw and cleaned text."""
    lines = []
    for raw_line in raw.splitlines():
        text = clean_line(raw_line)
        if text:
            lines.append(Line(raw_line.rstrip("\r\n"), text))
    return lines


def is_page_chrome(text: str) -> bool:
    """Tell whether a cleaned line is web-page furniture rather than document text."""
    if len(text) > _CHROME_MAX_LENGTH:
        return False
    return bool(_CHROME_RE.search(text))


def has_garbled_text(text: str) -> bool:
    """Tell whether text contains mojibake that cleaning cannot repair."""
    return bool(_GARBLED_RE.search(text))


_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS.update({"五": 5, "六": 6, "七": 7, "八": 8, "九": 9})


def chinese_numeral_value(numeral: str) -> int | None:
    """Value of a Chinese numeral: 一 → 1, 十 → 10, 十一 → 11, 二十三 → 23, 二〇二〇 → 2020."""
    numeral = numeral.strip()
    if not numeral:
        return None
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        if (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS):
            return None
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    if not all(char in _CN_DIGITS for char in numeral):
        return None
    value = 0
    for char in numeral:
        value = value * 10 + _CN_DIGITS[char]
    return value

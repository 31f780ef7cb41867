"""`{% print_link url %}`: the 打印/下载PDF link, or why there is none on this server."""

from django import template

from printing.pdf import UNAVAILABLE_MESSAGE, pdf_available

register = template.Library()

LABEL = "打印/下载PDF"


@register.inclusion_tag("printing/_print_link.html")
def print_link(url: str, label: str = LABEL):
    return {"url": url, "label": label, "available": pdf_available(), "why": UNAVAILABLE_MESSAGE}

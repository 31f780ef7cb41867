"""HTML to PDF with the system Chromium's headless `--print-to-pdf`.

No Python dependency: Chromium runs as a subprocess on a page written to a temporary
folder, with a profile of its own in that folder (so parallel prints never share a
profile lock). Paper, margins, running headers and page numbers come from the page's
CSS (`@page` with margin boxes such as `@bottom-center { content: counter(page) }`).
Debian: `apt-get install chromium fonts-wqy-microhei` (`make browser`).
"""

import os
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

UNAVAILABLE_MESSAGE = "服务器未安装打印组件"
TIMEOUT_SECONDS = 120


class PrintError(Exception):
    """A PDF could not be made; the message (Chinese) says why."""


class PdfUnavailable(PrintError):
    """No Chromium on this server: nothing can be printed."""

    def __init__(self, message: str = UNAVAILABLE_MESSAGE):
        super().__init__(message)


class PdfFailed(PrintError):
    """Chromium ran but gave no PDF (the reason is its output)."""


def chromium_path() -> str:
    return settings.PRINT_CHROMIUM


def pdf_unavailable_reason() -> str | None:
    """Why PDFs cannot be printed here (in Chinese, for the page and for skipped tests), or None."""
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return f"{UNAVAILABLE_MESSAGE}({path} 不存在;apt-get install chromium fonts-wqy-microhei)"
    return None


def pdf_available() -> bool:
    return pdf_unavailable_reason() is None


def pdf_from_html(page: str, *, timeout: int = TIMEOUT_SECONDS) -> bytes:
    """The PDF Chromium prints of the HTML document `page` (which must load nothing else),
    within `timeout` seconds."""
    if not pdf_available():
        raise PdfUnavailable()
    with tempfile.TemporaryDirectory(prefix="reform-print-") as folder:
        source = Path(folder) / "page.html"
        target = Path(folder) / "page.pdf"
        source.write_text(page, encoding="utf-8")
        command = [
            chromium_path(),
            "--headless",
            "--no-sandbox",  # the server runs it as a service user without namespaces
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--disable-background-networking",
            "--no-first-run",
            "--no-pdf-header-footer",  # our own header and page numbers, from the CSS
            f"--user-data-dir={folder}/profile",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            run = subprocess.run(
                command,
                capture_output=True,
                timeout=timeout,
                env={**os.environ, "HOME": folder},
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise PdfFailed(f"打印超时({timeout}秒)") from error
        if not target.exists() or not target.read_bytes().startswith(b"%PDF"):
            output = run.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PdfFailed(f"打印失败(Chromium 退出码 {run.returncode}):{' '.join(output)}")
        return target.read_bytes()

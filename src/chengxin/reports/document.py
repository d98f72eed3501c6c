"""A report as a page and as a PDF: one Jinja2 template (`reports/_body.html`) for both, the PDF laid
out by WeasyPrint with a Chinese font from Debian's packages embedded as a subset, so its text is
selectable and searchable, and a QR code (segno) leading to the verification page.

WeasyPrint rather than ReportLab: the report is the same markup and style sheet as the page view,
so what a person reads on screen and what they print cannot drift apart; WeasyPrint subsets the
TrueType font it embeds, which keeps a 50-matter report near 100 KB.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import segno
from markupsafe import Markup

from chengxin.errors import DomainError
from chengxin.reports.content import Content
from chengxin.web.assets import STATIC
from chengxin.web.render import env

# Debian's packages, in order of preference: WenQuanYi Micro Hei (TrueType, small subsets), then Noto CJK.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)


@dataclass(frozen=True, slots=True)
class Rendered:
    pdf: bytes
    pages: int


def font_path(configured: Path | None) -> Path:
    """The Chinese font the PDF embeds; a clear error when the machine has none."""
    for path in ((configured,) if configured else FONT_CANDIDATES):
        if path is not None and path.is_file():
            return path
    raise DomainError("REPORT_FONT_MISSING", "服务器上没有可嵌入报告的中文字体：请安装 Debian 软件包 "
                      "fonts-wqy-microhei，或用 CHENGXIN_REPORT_FONT 指定字体文件", 500)


def qr_data_uri(url: str) -> str:
    """The verification address as a QR code (medium error correction), an SVG data URI."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


@lru_cache(maxsize=1)
def _report_css() -> Markup:
    return Markup((STATIC / "report.css").read_text(encoding="utf-8"))  # our own file, not user input


def page_html(content: Content, *, issued: bool = True) -> str:
    """The report body for the page view (inside the site's layout); a preview, not issued, has no
    number to verify and so no QR code or verification address."""
    return env.get_template("reports/_body.html").render(c=content, qr=qr_data_uri(content.verify_url) if issued
                                                         else None)


def pdf_html(content: Content, font: Path) -> str:
    return env.get_template("reports/pdf.html").render(
        c=content, qr=qr_data_uri(content.verify_url), font_url=font.resolve().as_uri(), report_css=_report_css())


def render_pdf(content: Content, font: Path) -> Rendered:
    """The unsigned PDF (PDF/A-2b, tagged), A4, with the font embedded as a subset."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    # PDF/A-2b for archiving, tagged so that a screen reader follows the headings, lists and tables.
    options = {"pdf_variant": "pdf/a-2b", "pdf_tags": True}
    document = HTML(string=pdf_html(content, font)).render(font_config=fonts, **options)
    out = io.BytesIO()
    document.write_pdf(out, **options)
    return Rendered(out.getvalue(), len(document.pages))

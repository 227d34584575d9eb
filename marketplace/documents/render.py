"""A :class:`~marketplace.documents.types.Document` drawn as an A4 PDF with ReportLab.

Why ReportLab with its CID font: the standard Adobe CJK font STSong-Light is one of the PDF
reader's own fonts, so nothing is embedded, no font file ships with the app and no system
package (Debian's CJK fonts, Pango, Cairo for WeasyPrint) is needed on a server or in CI; the
text is written as text, so it can be selected, searched and extracted (the tests read it
back with pypdf). Everything a record holds is escaped before ReportLab's paragraph markup
sees it."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from marketplace.documents.types import HEADING, Document, Fields, Table, Text

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))  # a name in ReportLab's registry, no file read

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=15, wordWrap="CJK")
_CELL = ParagraphStyle("cell", parent=_BODY, fontSize=9.5, leading=13)
_HEAD = ParagraphStyle("head", parent=_BODY, fontSize=12, alignment=TA_CENTER, leading=18)
_TITLE = ParagraphStyle("title", parent=_BODY, fontSize=18, alignment=TA_CENTER, leading=26, spaceAfter=4)
_META = ParagraphStyle("meta", parent=_BODY, fontSize=10, alignment=TA_CENTER)
_SECTION = ParagraphStyle("section", parent=_BODY, fontSize=11.5, leading=18, spaceBefore=8, spaceAfter=3)
_GRID = TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9.5), ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)])
_LABELS = TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9.5), ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                      ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)])
WIDTH = A4[0] - 40 * mm


def _p(text, style=_CELL) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _widths(block: Table) -> list[float]:
    weights = block.widths or [1] * len(block.header)
    return [WIDTH * w / sum(weights) for w in weights]


def _date(d) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def _qr(url: str) -> Drawing:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    size = 28 * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def render(doc: Document, verify_base: str = "") -> bytes:
    """The PDF bytes of ``doc``; ``verify_base`` is the public check page's address up to the
    code (``https://…/verify/``), printed (and drawn as a QR code) where the document has one."""
    story = [_p(HEADING, _HEAD), _p(doc.title, _TITLE),
             _p(f"编号：{doc.number}　　日期：{_date(doc.issued_on)}", _META), Spacer(1, 6 * mm)]
    for block in doc.blocks:
        if isinstance(block, Fields):
            if block.title:
                story.append(_p(block.title, _SECTION))
            t = RLTable([[_p(k), _p(v)] for k, v in block.rows], colWidths=[38 * mm, WIDTH - 38 * mm])
            t.setStyle(_LABELS)
            story.append(t)
        elif isinstance(block, Table):
            if block.title:
                story.append(_p(block.title, _SECTION))
            if block.rows:
                t = RLTable([[_p(h) for h in block.header]] + [[_p(c) for c in r] for r in block.rows],
                            repeatRows=1, colWidths=_widths(block))
                t.setStyle(_GRID)
                story.append(t)
            else:
                story.append(_p("（无）", _BODY))
        elif isinstance(block, Text):
            story.append(Spacer(1, 2 * mm))
            story.append(_p(block.text, _BODY))
    if doc.verify_code:
        url = f"{verify_base}{doc.verify_code}"
        story.append(Spacer(1, 6 * mm))
        t = RLTable([[_qr(url), _p(f"验证码：{doc.verify_code}\n扫码或访问以下地址核验本证明真伪：\n{url}", _BODY)]],
                    colWidths=[32 * mm, WIDTH - 32 * mm])
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(t)
    if doc.signatures:
        story.append(Spacer(1, 10 * mm))
        rows = [[_p(f"{who}：", _BODY), _p("＿＿＿＿＿＿＿＿＿＿", _BODY), _p("日期：　　年　　月　　日", _BODY)]
                for who in doc.signatures]
        t = RLTable(rows, colWidths=[52 * mm, 62 * mm, WIDTH - 114 * mm], rowHeights=[14 * mm] * len(rows))
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
        story.append(t)
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm, title=f"{doc.title} {doc.number}", author=HEADING,
                      subject=doc.title, creator="marketplace.documents").build(story)
    return out.getvalue()

"""Printable documents (python-docx): one A4 page set-up for checklists, inspection records and quiz
papers, with 宋体 named for the East Asian script so Chinese prints in a Chinese font."""

from __future__ import annotations

import io


def new_document(*, landscape: bool = False, margin_cm: float = 2.2, font_pt: float = 11):
    """An empty A4 document (portrait, or landscape for wide tables)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(margin_cm))
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(font_pt)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    return doc


def to_bytes(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

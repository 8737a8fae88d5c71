"""The paperwork of a secondment, as Word files (python-docx), always in Vietnamese.

Both follow the administrative document layout of Decree 30/2020/NĐ-CP:
- at the top, two columns: the parent body and the issuing body with the
  number and symbol (Số, ký hiệu) on the left; the Quốc hiệu "CỘNG HÒA XÃ HỘI
  CHỦ NGHĨA VIỆT NAM" and the Tiêu ngữ "Độc lập - Tự do - Hạnh phúc", then the
  place and date ("Hòa Bình, ngày 25 tháng 11 năm 2026") on the right;
- the kind of document and its summary (trích yếu) centred, in bold;
- the body; then two columns: "Nơi nhận" on the left, the signature block
  (authority, title, name) on the right;
- A4, Times New Roman, margins 20 mm top and bottom, 30 mm left, 15 mm right.

`proposal` is the Tờ trình from the team to the Director; `decision_draft` is
the draft Quyết định trưng dụng the Director's office numbers and signs.
Symbols are the initials of the issuing bodies: the team's up to its first
lower-case word ("Tổ CNTT phục vụ…" → TCNTT), the department's without "và"
("Sở Thông tin và Truyền thông" → STTTT).
"""

import io
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.text.fold import strip_marks

# python-docx (and lxml under it) is imported where a document is laid out, not when the bot
# starts: most runs never write one, and it costs ~6 MB resident.
if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.table import _Cell

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
FONT = "Times New Roman"
PROPOSAL_KIND = "TTr"  # Tờ trình
DECISION_KIND = "QĐ"  # Quyết định


@dataclass(frozen=True)
class Seconded:
    full_name: str
    unit_name: str | None
    title: str | None


@dataclass(frozen=True)
class Paper:
    """What both documents say; built by the service from the request."""

    number: int
    place: str  # "Hòa Bình"
    province: str  # parent body of the department: "UBND tỉnh Hòa Bình"
    department: str  # "Sở Thông tin và Truyền thông"
    team_name: str
    people: tuple[Seconded, ...]
    reason: str
    work: str
    starts_on: date
    ends_on: date
    submitted_on: date
    proposer_name: str
    proposer_is_leader: bool
    director_name: str | None = None
    decided_on: date | None = None


def symbol_of(name: str, *, whole: bool = False) -> str:
    """Initials in capitals, acronyms kept whole; up to the first lower-case word unless `whole`."""
    letters = []
    for word in name.split():
        bare = strip_marks(word)
        if not bare[:1].isalpha():
            continue
        if bare.lower() == "va":
            continue
        if word.isupper() and len(word) > 1:
            letters.append(bare)
        elif word[0].isupper() or whole:
            letters.append(bare[0].upper())
        else:
            break
    return "".join(letters)


def date_line(place: str, day: date) -> str:
    """ "Hòa Bình, ngày 05 tháng 02 năm 2027": days below 10 and months 1–2 take a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def proposal_number(paper: Paper) -> str:
    return f"{paper.number}/{PROPOSAL_KIND}-{symbol_of(paper.team_name)}"


def proposal(paper: Paper) -> bytes:
    """The Tờ trình: the team asks the Director to second these people."""
    doc = _new_document()
    _heading(doc, parent=paper.department, issuer=paper.team_name, number=f"Số: {proposal_number(paper)}",
             dated=date_line(paper.place, paper.submitted_on))
    _title(doc, "TỜ TRÌNH", f"Về việc đề nghị trưng dụng cán bộ tham gia {paper.team_name}")
    _centered(doc, f"Kính gửi: Giám đốc {paper.department}")
    _body(doc, f"Để bảo đảm nhân lực thực hiện nhiệm vụ, {paper.team_name} kính trình Giám đốc "
               f"{paper.department} xem xét, quyết định trưng dụng cán bộ như sau:")
    _body(doc, f"1. Lý do đề nghị trưng dụng: {paper.reason}")
    _body(doc, "2. Danh sách cán bộ đề nghị trưng dụng:")
    _people_table(doc, paper.people)
    _body(doc, f"3. Nhiệm vụ được giao: {paper.work}")
    _body(doc, f"4. Thời gian trưng dụng: {_period(paper)}.")
    _body(doc, f"{paper.team_name} kính trình Giám đốc {paper.department} xem xét, quyết định./.")
    authority = ("TỔ TRƯỞNG",) if paper.proposer_is_leader else ("KT. TỔ TRƯỞNG", "TỔ PHÓ")
    _closing(doc, ["- Như trên;", f"- Lưu: VT, {symbol_of(paper.team_name)}."], authority, paper.proposer_name)
    return _saved(doc)


def decision_draft(paper: Paper) -> bytes:
    """The draft Quyết định trưng dụng, for the Director's office to number and sign."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = _new_document()
    department_symbol = symbol_of(paper.department, whole=True)
    decided_on = paper.decided_on or paper.submitted_on
    _centered(doc, "DỰ THẢO", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _heading(doc, parent=paper.province, issuer=paper.department,
             number=f"Số:      /{DECISION_KIND}-{department_symbol}", dated=date_line(paper.place, decided_on))
    _title(doc, "QUYẾT ĐỊNH", f"Về việc trưng dụng cán bộ tham gia {paper.team_name}")
    _centered(doc, f"GIÁM ĐỐC {paper.department.upper()}", bold=True)
    _body(doc, f"Căn cứ chức năng, nhiệm vụ, quyền hạn của {paper.department};")
    _body(doc, f"Xét Tờ trình số {proposal_number(paper)} ngày {paper.submitted_on:%d/%m/%Y} "
               f"của {paper.team_name}.")
    _centered(doc, "QUYẾT ĐỊNH:", bold=True)
    _body(doc, f"Điều 1. Trưng dụng các ông (bà) có tên sau đây tham gia {paper.team_name}, "
               f"thời gian {_period(paper)}:")
    _people_table(doc, paper.people)
    _body(doc, f"Điều 2. Nhiệm vụ của cán bộ được trưng dụng: {paper.work.rstrip(' .')}. Thủ trưởng các đơn vị có cán bộ "
               "được trưng dụng tạo điều kiện, ưu tiên bố trí thời gian để cán bộ hoàn thành nhiệm vụ.")
    _body(doc, f"Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Sở, Tổ trưởng "
               f"{paper.team_name}, Thủ trưởng các đơn vị có liên quan và các ông (bà) có tên tại Điều 1 "
               "chịu trách nhiệm thi hành Quyết định này./.")
    _closing(doc, ["- Như Điều 3;", "- Lưu: VT."], ("GIÁM ĐỐC",), paper.director_name or "")
    return _saved(doc)


def _period(paper: Paper) -> str:
    return f"từ ngày {paper.starts_on:%d/%m/%Y} đến ngày {paper.ends_on:%d/%m/%Y}"


# ----------------------------------------------------------------- layout


def _new_document() -> "DocxDocument":
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(0)
    return doc


def _heading(doc: "DocxDocument", *, parent: str, issuer: str, number: str, dated: str) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Mm

    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Mm(70), Mm(95)
    _line(left, parent.upper(), size=13, first=True)
    _line(left, issuer.upper(), size=13, bold=True)
    _line(left, number, size=13)
    _line(right, NATIONAL_TITLE, size=13, bold=True, first=True)
    _line(right, MOTTO, size=14, bold=True)
    _line(right, dated, size=14, italic=True)


def _line(cell: "_Cell", text: str, *, size: int, bold: bool = False, italic: bool = False, first: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.font.size, run.bold, run.italic = Pt(size), bold, italic


def _title(doc: "DocxDocument", kind: str, summary: str) -> None:
    doc.add_paragraph()
    _centered(doc, kind, bold=True)
    _centered(doc, summary, bold=True)
    doc.add_paragraph()


def _centered(doc: "DocxDocument", text: str, *, bold: bool = False,
              align: "WD_ALIGN_PARAGRAPH | None" = None) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if align is None else align
    paragraph.add_run(text).bold = bold


def _body(doc: "DocxDocument", text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    paragraph = doc.add_paragraph(text)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Mm(10)
    paragraph.paragraph_format.space_after = Pt(6)


def _people_table(doc: "DocxDocument", people: tuple[Seconded, ...]) -> None:
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("STT", "Họ và tên", "Đơn vị công tác", "Chức vụ"), strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for index, person in enumerate(people, start=1):
        cells = table.add_row().cells
        for cell, text in zip(cells, (str(index), person.full_name, person.unit_name or "", person.title or ""),
                              strict=True):
            cell.paragraphs[0].add_run(text)
    doc.add_paragraph()


def _closing(doc: "DocxDocument", recipients: list[str], authority: tuple[str, ...], signer: str) -> None:
    from docx.shared import Pt

    doc.add_paragraph()
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    heading = left.paragraphs[0].add_run("Nơi nhận:")
    heading.bold, heading.italic, heading.font.size = True, True, Pt(12)
    for line in recipients:
        left.add_paragraph().add_run(line).font.size = Pt(11)
    for index, line in enumerate(authority):
        _line(right, line, size=14, bold=True, first=index == 0)
    for _ in range(3):
        right.add_paragraph()
    _line(right, signer, size=14, bold=True)


def _saved(doc: "DocxDocument") -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()

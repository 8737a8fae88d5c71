"""The paperwork's fixed parts: symbols, the date line, and both documents' layout."""

import io
from datetime import date

import docx
import pytest

from bot.secondment.documents import Paper, Seconded, date_line, decision_draft, proposal, symbol_of

PAPER = Paper(
    number=7, place="Hòa Bình", province="UBND tỉnh Hòa Bình", department="Sở Thông tin và Truyền thông",
    team_name="Tổ CNTT phục vụ phòng chống dịch Covid-19",
    people=(Seconded("Bùi Anh Tuấn", "Trung tâm CNTT-TT", "Kỹ sư"), Seconded("Trần Thị Hoa", None, None)),
    reason="Thiếu người trực", work="Trực hệ thống truy vết.", starts_on=date(2026, 12, 1),
    ends_on=date(2027, 2, 5), submitted_on=date(2026, 11, 5), proposer_name="Phạm Minh Đức",
    proposer_is_leader=False, director_name="Trần Văn An", decided_on=date(2027, 1, 3),
)


@pytest.mark.parametrize(("name", "whole", "symbol"), [
    ("Tổ CNTT phục vụ phòng chống dịch Covid-19", False, "TCNTT"),
    ("Sở Thông tin và Truyền thông", True, "STTTT"),
    ("Sở Y tế", True, "SYT"),
])
def test_symbols(name: str, whole: bool, symbol: str) -> None:
    assert symbol_of(name, whole=whole) == symbol


@pytest.mark.parametrize(("day", "line"), [
    (date(2026, 11, 25), "Hòa Bình, ngày 25 tháng 11 năm 2026"),
    (date(2027, 2, 5), "Hòa Bình, ngày 05 tháng 02 năm 2027"),
    (date(2027, 3, 9), "Hòa Bình, ngày 09 tháng 3 năm 2027"),
])
def test_date_line_pads_days_below_ten_and_january_february(day: date, line: str) -> None:
    assert date_line("Hòa Bình", day) == line


def test_a_deputy_signs_the_proposal_on_behalf_of_the_leader() -> None:
    document = docx.Document(io.BytesIO(proposal(PAPER)))
    heading = document.tables[0].rows[0].cells
    assert heading[0].text.splitlines()[-1] == "Số: 7/TTr-TCNTT"
    assert heading[1].text.splitlines()[-1] == "Hòa Bình, ngày 05 tháng 11 năm 2026"
    signature = document.tables[-1].rows[0].cells[1].text
    assert signature.splitlines()[:2] == ["KT. TỔ TRƯỞNG", "TỔ PHÓ"] and signature.rstrip().endswith("Phạm Minh Đức")
    people = [[c.text for c in row.cells] for row in document.tables[1].rows]
    assert people == [["STT", "Họ và tên", "Đơn vị công tác", "Chức vụ"], ["1", "Bùi Anh Tuấn", "Trung tâm CNTT-TT", "Kỹ sư"],
                      ["2", "Trần Thị Hoa", "", ""]]
    section = document.sections[0]
    measures = (section.page_width, section.page_height, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in measures] == [210, 297, 30, 15]
    assert document.styles["Normal"].font.name == "Times New Roman"


def test_the_decision_draft_quotes_the_proposal_and_the_period() -> None:
    document = docx.Document(io.BytesIO(decision_draft(PAPER)))
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    assert "Xét Tờ trình số 7/TTr-TCNTT ngày 05/11/2026 của Tổ CNTT phục vụ phòng chống dịch Covid-19." in paragraphs
    assert any("từ ngày 01/12/2026 đến ngày 05/02/2027" in p for p in paragraphs)
    assert any("Trực hệ thống truy vết. Thủ trưởng" in p for p in paragraphs)  # no doubled full stop
    assert document.tables[0].rows[0].cells[1].text.splitlines()[-1] == "Hòa Bình, ngày 03 tháng 01 năm 2027"

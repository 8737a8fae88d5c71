"""`dieuphoi faq check FILE` (the shipped knowledge base passes; a broken file names the entries at fault),
and DIEUPHOI_FAQ replacing the shipped file."""

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, Settings
from bot.helpdesk.desk import HelpDesk
from bot.helpdesk.knowledge import SHIPPED_FILE

BROKEN = """\
categories:
  - {id: scan, title: "Quét mã QR", order: 1}
entries:
  - id: good
    category: scan
    question: "Quét mã thế nào?"
    phrasings: ["quet ma", "cach quet"]
    answer: "Mở ứng dụng <b>PC-Covid</b>."
  - id: unclosed_tag
    category: scan
    question: "Câu hỏi hai"
    phrasings: ["cau hai", "hoi hai"]
    answer: "Mở <b>PC-Covid"
  - id: good
    category: nowhere
    question: "Câu hỏi ba"
    phrasings: ["cau ba", "hoi ba"]
    answer: ""
"""


def test_the_shipped_knowledge_base_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faq", "check", str(SHIPPED_FILE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK: {SHIPPED_FILE}: 42 entries in 7 categories")


def test_a_broken_file_fails_naming_each_entry_at_fault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    assert main(["faq", "check", str(path)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert any("entry 'unclosed_tag': answer.vi: invalid Telegram HTML" in line for line in lines), lines
    assert any("entry 'good': id: duplicate id" in line for line in lines), lines
    assert any("entry 'good': category: unknown category 'nowhere'" in line for line in lines), lines
    assert any("entry 'good': answer" in line and "at least 1 character" in line for line in lines), lines
    assert all(line.startswith(f"{path}:") for line in lines)
    assert "problem(s) in" in captured.err


def test_a_missing_file_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faq", "check", str(tmp_path / "none.yaml")]) == 1
    assert "cannot read the file" in capsys.readouterr().out


def test_dieuphoi_faq_replaces_the_shipped_file(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(BROKEN.split("  - id: unclosed_tag")[0], encoding="utf-8")
    desk = HelpDesk.from_settings(Settings(_env_file=None, faq=path))
    assert [entry.id for entry in desk.knowledge.entries] == ["good"]
    assert desk.matcher("vi").match("cach quet ma").entries[0].id == "good"


def test_a_broken_dieuphoi_faq_stops_the_bot_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^DIEUPHOI_FAQ: .*unclosed_tag.* \(and 3 more\); run `dieuphoi faq check"):
        HelpDesk.from_settings(Settings(_env_file=None, faq=path))

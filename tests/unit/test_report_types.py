"""The report-types file: the shipped one is valid, a bad one is refused naming the line."""

import subprocess
import sys
from pathlib import Path

import pytest

from bot.reports.types import DEFAULT_FILE, check_report_types_file, load_report_types, parse_report_types

GOOD = """\
types:
  - code: ngay
    name: "Báo cáo ngày"
    schedule: "0 17 * * 1-5"
    fields:
      - {code: a, label: "A", kind: integer, area: qr}
      - {code: b, label: "B", kind: choice, area: qr, choices: [{code: x, label: X}, {code: y, label: Y}]}
"""


def test_the_shipped_weekly_report_covers_the_six_platforms() -> None:
    assert check_report_types_file(DEFAULT_FILE) == []
    weekly = load_report_types(DEFAULT_FILE).types[0]
    assert weekly.submitting_areas == ["qr", "tiemchung", "xetnghiem", "truyvet", "cachly", "phantich"]
    kinds = {field.kind for field in weekly.fields}
    assert kinds == {"integer", "percent", "text", "choice"}
    assert {"qr_diem", "qr_luot", "kbyt_luot", "tc_mui", "xn_mau", "xn_ketqua", "cl_theodoi", "su_co", "de_xuat"} <= {
        field.code for field in weekly.fields}
    assert all(field.area for field in weekly.fields)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("kind: integer, area: qr}\n      - {code: b", "kind: integr, area: qr}\n      - {code: b"),
         "reports:6: types[0].fields[0].kind: Input should be"),
        (("{code: b,", "{code: a,"), "reports:7: types[0].fields[1].code: duplicate field code 'a'"),
        (('"0 17 * * 1-5"', '"0 17 * *"'), "reports:4: types[0].schedule: not a valid cron expression"),
        (("[{code: x, label: X}, {code: y, label: Y}]", "[{code: x, label: X}]"),
         "reports:7: types[0].fields[1]: a choice field needs at least two choices"),
        (('    name: "Báo cáo ngày"\n', '    name: "Báo cáo ngày"\n    submitters: {areas: [tiemchung]}\n'),
         "reports:4: types[0].submitters.areas[0]: no field of this report belongs to area 'tiemchung'"),
        (("    fields:", "    colour: red\n    fields:"), "reports:5: types[0].colour: Extra inputs are not permitted"),
        (("types:\n", "types:\n  - [\n"), "reports:"),
    ],
)
def test_a_bad_file_names_the_line_at_fault(change: tuple[str, str], expected: str) -> None:
    assert parse_report_types(GOOD)[0] == []
    problems, parsed = parse_report_types(GOOD.replace(*change))
    assert parsed is None
    assert problems[0].startswith(expected), problems


def test_the_cli_check_prints_the_line_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "reports.yaml"
    bad.write_text(GOOD.replace("kind: integer", "kind: number"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bot", "reports", "check", str(bad)], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"{bad}:6: types[0].fields[0].kind:")
    good = subprocess.run([sys.executable, "-m", "bot", "reports", "check", str(DEFAULT_FILE)], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert good.returncode == 0 and "no problem found" in good.stdout

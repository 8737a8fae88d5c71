"""`dieuphoi export --from --to --out`: the digest spreadsheet for whole days, from the command line."""

import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from bot.storage import Storage
from tests.unit.test_digest_build import FRIDAYS, week
from tests.unit.test_report_service import team  # noqa: F401  (the fixture)


def run(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DIEUPHOI_DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=120)


async def test_export_writes_the_submitted_values(storage: Storage, team: int, database_url: str,  # noqa: F811
                                                  tmp_path: Path) -> None:
    await week(storage, team, FRIDAYS[1], {1004: {"qr_diem": 110, "qr_luot": 5000, "kbyt_luot": 1000}})
    await week(storage, team, FRIDAYS[2], {1004: {"qr_diem": 120, "qr_luot": 4500, "kbyt_luot": 1000}})
    out = tmp_path / "tuan.xlsx"
    done = run("export", "--from", "23/11/2026", "--to", "2026-11-29", "--out", str(out),
               database_url=database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    book = load_workbook(out)
    values = list(book["Chi tiết số liệu"].iter_rows(values_only=True))
    assert {(row[3], row[4]) for row in values[1:]} == {("qr_diem", 120), ("qr_luot", 4500), ("kbyt_luot", 1000)}
    figures = list(book["Số liệu"].iter_rows(values_only=True))
    assert ("Số lượt quét mã QR trong tuần", 4500, 5000, -500) == (figures[2][2], *figures[2][3:6])

    backwards = run("export", "--from", "2026-11-29", "--to", "2026-11-23", database_url=database_url, cwd=tmp_path)
    assert backwards.returncode == 2 and "--to is before --from" in backwards.stderr
    nonsense = run("export", "--from", "hôm qua", "--to", "2026-11-23", database_url=database_url, cwd=tmp_path)
    assert nonsense.returncode == 2 and "not a date" in nonsense.stderr

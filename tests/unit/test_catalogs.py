"""Every msgid is translated in vi and en, and the compiled catalogs are current."""

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from bot.catalogs import KEYWORDS, pybabel
from bot.i18n import format_moment, format_number, use_locale
from bot.i18n import gettext as _

LOCALES = Path(__file__).resolve().parents[2] / "locales"


def po(locale: str):  # type: ignore[no-untyped-def]
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def test_template_is_current(tmp_path: Path) -> None:
    """Extracting again finds no msgid that the catalogs lack."""
    out = tmp_path / "fresh.pot"
    root = LOCALES.parent
    pybabel("extract", "-F", str(root / "babel.cfg"), *KEYWORDS, "--no-location", "-o", str(out),
            str(root / "bot"), str(root / "handlers"))
    with out.open("rb") as handle:
        fresh = {m.id for m in read_po(handle) if m.id}
    known = {m.id for m in po("vi") if m.id}
    assert fresh - known == set(), "run: python -m bot.catalogs"


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_msgid_is_translated(locale: str) -> None:
    missing = [m.id for m in po(locale) if m.id and (not m.string or "fuzzy" in m.flags)]
    assert missing == []


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_compiled_catalog_matches_source(locale: str) -> None:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    source = {m.id: m.string for m in po(locale) if m.id}
    assert compiled == source, "run: python -m bot.catalogs"


def test_vietnamese_and_english_formatting() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    assert format_moment(moment, zone, "vi") == "17:00 Thứ Sáu, 27/11/2026"
    assert format_moment(moment, zone, "en") == "17:00 Friday, 27/11/2026"
    assert format_number(1234567.5, "vi") == "1.234.567,5"
    with use_locale("en"):
        assert _("Tổ trưởng") == "Team leader"
    with use_locale("vi"):
        assert _("Tổ trưởng") == "Tổ trưởng"

"""README shows the permission table the code enforces, and the two fresh-machine commands."""

from pathlib import Path

from bot.permissions import permission_table_markdown

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def between(marker: str) -> str:
    return README.split(f"<!-- {marker} -->")[1].split(f"<!-- /{marker} -->")[0].strip()


def test_permission_table_matches_the_code() -> None:
    assert between("permission-table") == permission_table_markdown()


def test_fresh_machine_commands() -> None:
    assert "pip install -e . && dieuphoi run" in README
    assert "pip install -e '.[test]' && pytest" in README


def test_every_setting_is_documented() -> None:
    from bot.config import Settings

    table = between("settings-table")
    missing = [name for name in Settings.model_fields if f"`DIEUPHOI_{name.upper()}`" not in table]
    assert missing == []

"""Keep the translation catalogs in step with the code: `python -m bot.catalogs`.

Runs pybabel extract, update and compile. msgids are written in Vietnamese,
so the `vi` catalog's translations are the msgids themselves; this fills them
in. English entries are translated in locales/en/LC_MESSAGES/messages.po, by
hand or from a YAML mapping: `python -m bot.catalogs english.yaml`.
"""

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / "messages.pot"
KEYWORDS = ["-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "-k", "N_"]


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def fill_vietnamese() -> None:
    path = LOCALES / "vi" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = (message.id[0], message.id[1])
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=120)


def apply_english(path: Path) -> list[str]:
    """Fill English translations from a YAML mapping {msgid: translation}; returns msgids still missing."""
    import yaml

    po = LOCALES / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    translations = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for message in catalog:
        if message.id in translations:
            message.string = translations[message.id]
            message.flags.discard("fuzzy")
    with po.open("wb") as handle:
        write_po(handle, catalog, width=120)
    return [str(message.id) for message in catalog if message.id and not message.string]


def main() -> None:
    pybabel("extract", "-F", str(ROOT / "babel.cfg"), *KEYWORDS, "--no-location", "--sort-output",
            "--project=dieuphoi", "-o", str(TEMPLATE), str(ROOT / "bot"), str(ROOT / "handlers"))
    for locale in ("vi", "en"):
        po = LOCALES / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            pybabel("update", "-i", str(TEMPLATE), "-d", str(LOCALES), "-l", locale, "--no-fuzzy-matching",
                    "--ignore-obsolete", "-w", "120")
        else:
            pybabel("init", "-i", str(TEMPLATE), "-d", str(LOCALES), "-l", locale, "-w", "120")
    fill_vietnamese()
    pybabel("compile", "-d", str(LOCALES), "--use-fuzzy")


if __name__ == "__main__":
    import sys

    main()
    if len(sys.argv) > 1:  # python -m bot.catalogs english.yaml
        for missing in apply_english(Path(sys.argv[1])):
            print(f"untranslated: {missing!r}")
        pybabel("compile", "-d", str(LOCALES), "--use-fuzzy")

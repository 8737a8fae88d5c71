"""Translations and locale-aware formatting.

Every string a person reads goes through gettext(). The current locale lives
in a context variable, so the same code serves a handler (the middleware sets
it per update) and a scheduled job (which wraps its work in use_locale()).
Catalogs are Babel's compiled .mo files under locales/; a test checks that
they are complete and current.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
SUPPORTED = ("vi", "en")
DEFAULT_LOCALE = "vi"

_catalogs: dict[str, NullTranslations] = {}
_locale: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


def _catalog(locale: str) -> NullTranslations:
    # Catalogs are read-only data: loading each once per process is a cache, not state.
    if locale not in _catalogs:
        mo = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if mo.exists():
            with mo.open("rb") as handle:
                _catalogs[locale] = Translations(handle, domain=DOMAIN)
        else:
            _catalogs[locale] = NullTranslations()
    return _catalogs[locale]


def current_locale() -> str:
    return _locale.get()


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = _locale.set(locale if locale in SUPPORTED else DEFAULT_LOCALE)
    try:
        yield
    finally:
        _locale.reset(token)


def set_locale(locale: str) -> None:
    """For a middleware whose task context ends with the update."""
    _locale.set(locale if locale in SUPPORTED else DEFAULT_LOCALE)


def gettext(message: str) -> str:
    return _catalog(_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _catalog(_locale.get()).ngettext(singular, plural, count)


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it where it is shown."""
    return message


def choose_locale(
    *, chosen: str | None, roster: str | None, telegram: str | None, default: str = DEFAULT_LOCALE
) -> str:
    """A person's explicit choice, else the roster's, else Telegram's language_code, else the default."""
    for candidate in (chosen, roster, (telegram or "").split("-")[0].lower() or None):
        if candidate in SUPPORTED:
            return candidate
    return default if default in SUPPORTED else DEFAULT_LOCALE


def format_moment(moment: datetime, zone: ZoneInfo, locale: str | None = None) -> str:
    """"17:00 Thứ Sáu, 27/11/2026" in Vietnamese, "17:00 Friday, 27/11/2026" in English."""
    return babel_datetime(moment, "HH:mm EEEE, dd/MM/yyyy", tzinfo=zone, locale=locale or current_locale())


def format_day(moment: datetime, zone: ZoneInfo, locale: str | None = None) -> str:
    return babel_datetime(moment, "EEEE, dd/MM/yyyy", tzinfo=zone, locale=locale or current_locale())


def format_number(value: int | float | Decimal, locale: str | None = None) -> str:
    return format_decimal(value, locale=locale or current_locale())


def language_name(locale: str) -> str:
    return {"vi": "Tiếng Việt", "en": "English"}[locale]

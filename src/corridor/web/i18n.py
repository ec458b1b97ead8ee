"""Languages of the web UI: Babel message catalogues (English is the source language;
Russian, Kazakh, Azerbaijani, Georgian and Turkish are translated in
`locale/<code>/LC_MESSAGES/messages.po`), the language a request asks for, and dates and
numbers in that language's conventions.

Catalogues are read from their `.po` text when the package loads, so no compiled file is
kept beside them. `make messages` extracts the strings of the templates and the web
modules and merges them into the catalogues; a test fails on any string that is missing or
untranslated.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from functools import cache
from importlib import resources

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

SOURCE = "en"
LOCALES = ("en", "ru", "kk", "az", "ka", "tr")
NAMES = {
    "en": "English",
    "ru": "Русский",
    "kk": "Қазақша",
    "az": "Azərbaycanca",
    "ka": "ქართული",
    "tr": "Türkçe",
}
COOKIE = "corridor_lang"


def catalogue_path(locale: str) -> str:
    """Where a language's catalogue lives in the package."""
    return f"locale/{locale}/LC_MESSAGES/messages.po"


@cache
def translations(locale: str) -> NullTranslations:
    """The gettext translations of a language (the source language translates to itself)."""
    if locale == SOURCE:
        return NullTranslations()
    text = resources.files("corridor.web").joinpath(catalogue_path(locale)).read_bytes()
    catalogue = read_po(io.BytesIO(text), locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def negotiate(chosen: str | None, accept_language: str | None) -> str:
    """The language to answer in: the one the user chose, else the best the browser's
    Accept-Language offers, else English."""
    if chosen in LOCALES:
        return chosen
    wanted: list[tuple[float, str]] = []
    for part in (accept_language or "")[:500].split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            wanted.append((quality, tag.strip()))
    ordered = [tag for _, tag in sorted(wanted, key=lambda w: -w[0])]
    found = Locale.negotiate(ordered, list(LOCALES), sep="-") if ordered else None
    return str(found) if found else SOURCE


def when(value: datetime | None, locale: str, zone: tzinfo = UTC) -> str:
    """A date and time in a time zone (UTC unless given), as the language writes it, with
    the zone's offset from UTC ("UTC+5")."""
    if value is None:
        return "—"
    local = aware(value).astimezone(zone)
    try:
        return f"{format_datetime(local, 'medium', tzinfo=zone, locale=locale)} {offset(local)}"
    except UnknownLocaleError:
        return local.isoformat()


def aware(value: datetime) -> datetime:
    """A time with its zone: one stored without a zone is UTC (never the server's own zone)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def offset(value: datetime) -> str:
    """How far a time's zone is from UTC, as "UTC", "UTC+5" or "UTC+5:30"."""
    delta = value.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    if not minutes:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def number(value: float | Decimal | int | None, locale: str, digits: int = 1) -> str:
    """A number as the language writes it (e.g. 1,234.5 in English, 1 234,5 in Russian)."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale)

"""Every string of the web UI goes through the catalogue and is translated."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from corridor.web import i18n

ROOT = Path(__file__).parent.parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
BRACES = re.compile(r"\{(\w+)\}")


def extracted() -> set[str]:
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT), method_map, options_map, keywords={"_": None, "gettext": None, "N_": None}
        )
    }


def test_the_extraction_finds_the_templates_and_the_modules() -> None:
    found = extracted()
    assert "Sign in" in found  # a template
    assert "Choose a decision." in found  # a module
    assert "certificate of origin" in found  # a marked label
    assert len(found) > 150


def test_every_message_is_translated_into_every_language() -> None:
    found = extracted()
    for locale in i18n.LOCALES:
        if locale == i18n.SOURCE:
            continue
        catalogue = i18n.translations(locale)
        same = SAME | SAME_IN.get(locale, set())
        untranslated = sorted(m for m in found if catalogue.gettext(m) == m and m not in same)
        assert untranslated == [], f"{locale}: untranslated {untranslated[:10]}"
        # A translation keeps the message's placeholders (%(name)s, or {name} in a refusal's
        # message by code).
        for m in found:
            assert set(PLACEHOLDER.findall(catalogue.gettext(m))) == set(PLACEHOLDER.findall(m)), m
            assert set(BRACES.findall(catalogue.gettext(m))) == set(BRACES.findall(m)), m


# Strings that read the same in every language, and in one language.
SAME = {"PDF", "TEU"}
SAME_IN = {
    "az": {"Element", "Median", "Median (95%% interval)", "Status", "km", "t", "t·km", "TEU·km"},
    "tr": {
        "Net kg",
        "TTW kg",
        "WTW kg",
        "km",
        "transit",
        "t",
        "t·km",
        "TEU·km",
        "20 ft",
        "40 ft",
        "45 ft",
    },
}

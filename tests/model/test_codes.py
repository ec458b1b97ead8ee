"""Code validators: each accepts the valid form and explains the invalid one."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError
from stdnum import iso6346

from corridor.model.codes import (
    ContainerNumber,
    CountryCode,
    CurrencyCode,
    HSCode,
    WagonNumber,
    check_container,
    check_country,
    check_currency,
    check_hs_code,
    check_tax_id,
    check_wagon,
)

hs = TypeAdapter(HSCode)
container = TypeAdapter(ContainerNumber)
country = TypeAdapter(CountryCode)
currency = TypeAdapter(CurrencyCode)
wagon = TypeAdapter(WagonNumber)


def message(adapter: TypeAdapter[str], value: object) -> str:
    with pytest.raises(ValidationError) as info:
        adapter.validate_python(value)
    return str(info.value.errors()[0]["msg"])


def test_hs_code_accepts_six_digits_with_or_without_dot() -> None:
    assert hs.validate_python("720241") == "720241"
    assert hs.validate_python("7202.41") == "720241"


@pytest.mark.parametrize("bad", ["72024", "7202411", "72A241", "", "HS7202"])
def test_hs_code_rejects_wrong_shape_with_example(bad: str) -> None:
    assert "6 digits" in message(hs, bad)
    assert "'720241'" in message(hs, bad)


@pytest.mark.parametrize("chapter", ["00", "77", "98", "99"])
def test_hs_code_rejects_chapters_outside_the_nomenclature(chapter: str) -> None:
    assert f"HS chapter {chapter} does not exist" in message(hs, chapter + "0101")


@given(
    st.integers(min_value=1, max_value=97).filter(lambda c: c != 77),
    st.integers(min_value=0, max_value=9999),
)
def test_any_six_digit_code_in_a_real_chapter_is_accepted(chapter: int, rest: int) -> None:
    code = f"{chapter:02d}{rest:04d}"
    assert hs.validate_python(code) == code


def test_container_number_known_answer() -> None:
    # The ISO 6346 example number, as printed on the standard's own illustrations.
    assert container.validate_python("csqu 305438 3") == "CSQU3054383"


def test_container_wrong_check_digit_names_the_right_one() -> None:
    msg = message(container, "CSQU3054384")
    assert "check digit should be 3" in msg
    assert "CSQU3054383" in msg


@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3),
    st.sampled_from("UJZ"),
    st.integers(min_value=0, max_value=999_999),
    st.integers(min_value=0, max_value=9),
)
def test_container_accepted_exactly_when_check_digit_matches(
    owner: str, cat: str, serial: int, digit: int
) -> None:
    body = f"{owner}{cat}{serial:06d}"
    number = f"{body}{digit}"
    if str(digit) == iso6346.calc_check_digit(body):
        assert container.validate_python(number) == number
    else:
        with pytest.raises(ValidationError):
            container.validate_python(number)


@pytest.mark.parametrize(
    ("value", "ok"),
    [("KZ", True), ("kz", True), ("RO", True), ("XX", False), ("KAZ", False), ("", False)],
)
def test_country_codes(value: str, ok: bool) -> None:
    if ok:
        assert country.validate_python(value) == value.upper()
    else:
        assert "ISO 3166-1 alpha-2" in message(country, value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [("USD", True), ("kzt", True), ("AZN", True), ("GEL", True), ("XYZ", False), ("US", False)],
)
def test_currency_codes(value: str, ok: bool) -> None:
    if ok:
        assert currency.validate_python(value) == value.upper()
    else:
        assert "ISO 4217" in message(currency, value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("52345675", True),
        ("52345676", False),
        ("318052345671", True),
        ("318052345672", False),
        ("1234", False),
    ],
)
def test_wagon_numbers_carry_a_luhn_check_digit(value: str, ok: bool) -> None:
    if ok:
        assert wagon.validate_python(value) == value
    else:
        assert "not a valid wagon number" in message(wagon, value)


def test_tax_ids_use_the_national_scheme_where_known() -> None:
    assert check_tax_id("RO", "RO18547290") == "RO18547290"
    with pytest.raises(Exception, match="not a valid tax id for RO"):
        check_tax_id("RO", "RO18547291")
    # No checksum scheme is known for Kazakhstan's BIN here: only the shape is checked.
    assert check_tax_id("KZ", "123456789012") == "123456789012"
    with pytest.raises(Exception, match="5-20 letters"):
        check_tax_id("KZ", "1!")


@pytest.mark.parametrize(
    ("check", "bad"),
    [
        (check_hs_code, "72-02"),
        (check_country, "XX"),
        (check_currency, "XYZ"),
        (check_container, "CSQU3054384"),
        (check_wagon, "12345678"),
    ],
)
def test_messages_quote_the_value_given(check: Any, bad: str) -> None:
    with pytest.raises(PydanticCustomError) as info:
        check(bad)
    message = str(info.value)
    assert repr(bad) in message
    assert "{value" not in message
    assert "!r}" not in message

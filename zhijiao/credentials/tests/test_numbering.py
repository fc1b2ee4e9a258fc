import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from zhijiao.core.validators import resident_id_check_char
from zhijiao.credentials import numbering
from zhijiao.credentials.choices import NumberRule


@pytest.mark.parametrize(
    "body", ["11010519491231002", "36042619910101007", "11010219910101007", "44011320141005001"]
)
def test_mod11_2_matches_the_resident_id_check(body):
    assert numbering.iso7064_mod11_2(body) == resident_id_check_char(body)


def test_mod11_2_vectors():
    # credentials.md §6.1: 11010519491231002X
    assert numbering.iso7064_mod11_2("11010519491231002") == "X"
    assert numbering.iso7064_mod11_2("41272319901005001") == "2"


def test_national_number_layout():
    number = numbering.national_number(school_code="10476", year=2016, level="higher", serial=1784)
    assert number == "104761201606001784"
    assert len(number) == 18
    assert (
        numbering.national_number(school_code="10476", year=2016, level="bachelor", serial=7)[10:12] == "05"
    )


def test_national_school_code_is_last_five_digits(settings, world):
    world.school_a.code = "4137012345"
    assert numbering.national_school_code(world.school_a) == "12345"
    settings.CREDENTIALS_NATIONAL_SCHOOL_CODES = {"4137012345": "10999"}
    assert numbering.national_school_code(world.school_a) == "10999"


def test_provincial_number_has_a_valid_check_character():
    number = numbering.provincial_number(province="37", school_code="00001", year=2026, serial=12)
    assert number[:-1] == "37000012600012"
    assert numbering.iso7064_mod11_2(number[:-1]) == number[-1]
    assert numbering.parse_certificate_number(number).rule == NumberRule.PROVINCIAL


def test_provincial_pattern_is_configurable(settings):
    settings.CREDENTIALS_PROVINCIAL_PATTERN = "{province}{school}{year}{serial:06d}"
    number = numbering.provincial_number(province="37", school_code="00001", year=2026, serial=3)
    assert number[:-1] == "37000012026000003"
    assert numbering.parse_certificate_number(number).number == number


@pytest.mark.django_db
def test_wrong_check_character_is_rejected_without_a_query(django_assert_num_queries):
    number = numbering.provincial_number(province="37", school_code="00001", year=2026, serial=12)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with django_assert_num_queries(0):
        with pytest.raises(ValidationError) as exc:
            numbering.parse_certificate_number(wrong)
    assert exc.value.code == "check_char"


@pytest.mark.parametrize("raw", ["", "abc", "12345", "3700001260001X2X"])
def test_malformed_numbers_are_rejected(raw):
    with pytest.raises(ValidationError):
        numbering.parse_certificate_number(raw)


def test_full_width_and_lower_case_input_is_normalised():
    number = numbering.provincial_number(province="37", school_code="00001", year=2026, serial=12)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert numbering.parse_certificate_number(full_width).number == number


@pytest.mark.django_db
def test_serials_increase_per_prefix():
    assert [numbering.next_serial("Ptest") for _ in range(3)] == [1, 2, 3]
    assert numbering.next_serial("Pother") == 1


@pytest.mark.django_db(transaction=True)
def test_serial_allocation_is_safe_under_concurrency():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers")
    results, errors = [], []

    def worker():
        from django.db import connections

        try:
            for _ in range(10):
                results.append(numbering.next_serial("Pconcurrent"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == list(range(1, 61))

"""The working-day calendar: the State Council's notices 2021–2026 as data, the province's own years."""

import datetime

import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError

from zhijiao.core import workdays
from zhijiao.core.models import CalendarDay

D = datetime.date


@pytest.fixture(autouse=True)
def _fresh_calendar():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def test_every_year_2021_to_2026_ships_with_its_notice_number():
    cal = workdays.load_file(str(workdays.DATA_FILE))
    assert set(range(2021, 2027)) <= cal.years
    for year in range(2021, 2027):
        notice = cal.notices[year]
        assert notice.title == f"国务院办公厅关于{year}年部分节假日安排的通知"
        assert notice.number.startswith("国办发明电〔") and notice.number.endswith("号")
        assert notice.issued.year == year - 1
    assert cal.notices[2021].number == "国办发明电〔2020〕27号"
    assert cal.notices[2024].number == "国办发明电〔2023〕7号"


def test_the_data_file_is_well_formed():
    data = yaml.safe_load(workdays.DATA_FILE.read_text(encoding="utf-8"))
    for year, entry in data.items():
        for name, start, end in entry["holidays"]:
            assert start <= end and (end - start).days <= 15, (year, name)
        for name, day in entry["workdays"]:
            assert day.weekday() >= 5, (year, name, day)  # a make-up day is a weekend day


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2022, 12, 31), False),  # 2023 notice's 元旦 begins in 2022
        (D(2023, 1, 28), True),  # Saturday worked (春节)
        (D(2023, 4, 5), False),  # 清明, one day
        (D(2023, 10, 6), False),
        (D(2023, 10, 7), True),
        (D(2024, 2, 18), True),  # Sunday worked
        (D(2024, 2, 9), True),  # 除夕 2024 is not a holiday (only encouraged)
        (D(2025, 1, 28), False),  # 除夕 2025 is
        (D(2025, 10, 8), False),
        (D(2025, 10, 11), True),
        (D(2026, 1, 4), True),
        (D(2026, 2, 23), False),
        (D(2026, 2, 28), True),
        (D(2026, 9, 20), True),
        (D(2026, 10, 9), True),  # an ordinary Friday
        (D(2030, 1, 6), False),  # a year without a notice: only weekends rest
    ],
)
def test_working_days(day, working):
    assert workdays.is_working_day(day) is working


def test_counting_and_adding_working_days():
    # 2026 Spring Festival: Fri 13 Feb → Tue 24 Feb: Sat 14 (worked), 15–23 off, Tue 24.
    assert workdays.working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert workdays.working_days_between(D(2026, 2, 24), D(2026, 2, 13)) == -2
    assert workdays.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert workdays.add_working_days(D(2026, 2, 24), -2) == D(2026, 2, 13)
    assert workdays.add_working_days(D(2026, 2, 24), 0) == D(2026, 2, 24)
    assert workdays.is_holiday(D(2026, 10, 3)) and not workdays.is_holiday(D(2026, 10, 10))


@pytest.mark.django_db
def test_the_province_adds_a_year_and_replaces_it(world):
    assert workdays.is_working_day(D(2027, 2, 8))
    n = workdays.calendar_year_load(
        actor=world["province_admin"],
        year=2027,
        number="国办发明电〔2026〕1号",
        holidays=[("元旦", D(2027, 1, 1), D(2027, 1, 3)), ("春节", D(2027, 2, 5), D(2027, 2, 11))],
        workdays=[("春节", D(2027, 2, 13))],
    )
    assert n == 11
    cal = workdays.calendar()
    assert not cal.is_working_day(D(2027, 2, 8)) and cal.is_working_day(D(2027, 2, 13))
    assert cal.notices[2027].number == "国办发明电〔2026〕1号"
    assert cal.is_working_day(D(2026, 2, 28))  # the shipped years stay
    # Loading the year again replaces it (a corrected notice).
    workdays.calendar_year_load(
        actor=world["province_admin"], year=2027, number="国办发明电〔2026〕2号", holidays=[], workdays=[]
    )
    assert workdays.is_working_day(D(2027, 2, 8))
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_a_province_year_replaces_the_shipped_one(world):
    assert not workdays.is_working_day(D(2026, 6, 19))
    workdays.calendar_year_load(
        actor=world["province_admin"],
        year=2026,
        number="更正",
        holidays=[("端午节", D(2026, 6, 22), D(2026, 6, 22))],
        workdays=[],
    )
    assert workdays.is_working_day(D(2026, 6, 19)) and not workdays.is_working_day(D(2026, 6, 22))


@pytest.mark.django_db
def test_only_the_province_loads_and_days_must_make_sense(world):
    with pytest.raises(PermissionDenied):
        workdays.calendar_year_load(actor=world["school_a"], year=2027, number="x", holidays=[], workdays=[])
    with pytest.raises(ValidationError):  # a make-up day on a weekday
        workdays.calendar_year_load(
            actor=world["province_admin"],
            year=2027,
            number="x",
            holidays=[],
            workdays=[("春节", D(2027, 2, 10))],
        )
    with pytest.raises(ValidationError):  # a day of another year
        workdays.calendar_year_load(
            actor=world["province_admin"],
            year=2027,
            number="x",
            holidays=[("劳动节", D(2028, 5, 1), D(2028, 5, 1))],
            workdays=[],
        )
    assert not CalendarDay.objects.exists()

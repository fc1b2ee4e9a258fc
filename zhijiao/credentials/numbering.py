"""Certificate numbers: the national 18-digit rule and the provincial secondary-vocational rule.

Sources: ``shared/domain/students.md`` §7 (layouts) and ``credentials.md`` §5–6 (check characters).
Serials come from ``NumberCounter`` rows locked with SELECT … FOR UPDATE, so two issuers never
draw the same serial, on PostgreSQL or SQLite (where the whole database is locked on write).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .choices import NumberRule
from .models import NumberCounter

NATIONAL_RE = re.compile(r"^\d{18}$")

#: 办学类型 of the national rule: 1 普通高等教育 (students.md §7.2).
NATIONAL_EDUCATION_TYPE = "1"
#: 培养层次 of the national rule: 05 本科, 06 专科(含高职) (students.md §7.2; not itpeixun.cc's 04/05).
NATIONAL_LEVEL_CODES = {"higher": "06", "bachelor": "05"}

DEFAULT_PROVINCIAL_PATTERN = "{province}{school}{yy}{serial:05d}"


def iso7064_mod11_2(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a string of digits ('0'–'9' or 'X').

    The same algorithm as the GB 11643 resident ID (credentials.md §6.1), generalised to any
    length: p = Σ d·2^k mod 11 over positions counted from the right (k ≥ 1); the check is the
    value c with p + c ≡ 1 (mod 11), written 'X' for 10.
    """
    if not body or not body.isdigit():
        raise ValueError("MOD 11-2 needs a string of digits")
    total = 0
    for digit in body:
        total = ((total + int(digit)) * 2) % 11
    check = (12 - total) % 11
    return "X" if check == 10 else str(check)


def national_school_code(institution) -> str:
    """The 5-digit 学校国标代码 of the national rule, derived from the 10-digit 标识码.

    We hold only the Ministry's 10-digit 学校标识码, whose last five digits are the 国标代码 for
    higher-education institutions (e.g. 4111010001 → 10001 北京大学). Override per school with
    ``CREDENTIALS_NATIONAL_SCHOOL_CODES = {"<10-digit code>": "<5 digits>"}`` where that does not hold.
    """
    overrides = getattr(settings, "CREDENTIALS_NATIONAL_SCHOOL_CODES", {}) or {}
    code = institution.code or ""
    if code in overrides:
        return overrides[code]
    if not re.fullmatch(r"\d{10}", code):
        raise ValidationError(
            _("%(school)s has no 10-digit identifier code, so no certificate number can be assigned.")
            % {"school": institution.name}
        )
    return code[-5:]


def provincial_school_code(institution) -> str:
    """The school part of the provincial rule: the last ``CREDENTIALS_PROVINCIAL_SCHOOL_DIGITS`` digits."""
    digits = getattr(settings, "CREDENTIALS_PROVINCIAL_SCHOOL_DIGITS", 5)
    code = institution.code or ""
    if not re.fullmatch(r"\d{10}", code):
        raise ValidationError(
            _("%(school)s has no 10-digit identifier code, so no certificate number can be assigned.")
            % {"school": institution.name}
        )
    return code[-digits:]


def national_number(*, school_code: str, year: int, level: str, serial: int) -> str:
    """The CHSI 18-digit 证书编号 for 高职 (students.md §7.2 and §7.3).

    Positions 1–5 school 国标代码, 6 办学类型 (1), 7–10 year, 11–12 培养层次 (06 专科/高职,
    05 本科), 13–18 the school's serial. The rule has no check digit.
    """
    level_code = NATIONAL_LEVEL_CODES[level]
    if not re.fullmatch(r"\d{5}", school_code):
        raise ValidationError(_("The national school code must have 5 digits."))
    if not 0 < serial < 1_000_000:
        raise ValidationError(_("The serial for %(year)s is exhausted.") % {"year": year})
    return f"{school_code}{NATIONAL_EDUCATION_TYPE}{year:04d}{level_code}{serial:06d}"


def provincial_pattern() -> str:
    return getattr(settings, "CREDENTIALS_PROVINCIAL_PATTERN", DEFAULT_PROVINCIAL_PATTERN)


def provincial_number(*, province: str, school_code: str, year: int, serial: int) -> str:
    """Our own 中职 number (students.md §7.1, §7.3; Shandong's layout is unknown): a settings pattern + check.

    ``CREDENTIALS_PROVINCIAL_PATTERN`` is a format string over ``province`` (2 digits), ``school``,
    ``year`` (4 digits), ``yy`` (2 digits) and ``serial`` (an int); the default
    ``{province}{school}{yy}{serial:05d}`` gives 14 digits. An ISO 7064 MOD 11-2 check character
    is appended so typing errors are caught before any lookup (credentials.md §5).
    """
    body = provincial_pattern().format(
        province=province, school=school_code, year=f"{year:04d}", yy=f"{year % 100:02d}", serial=serial
    )
    if not body.isdigit() or len(body) != provincial_body_length():
        raise ValidationError(_("The serial for %(year)s is exhausted.") % {"year": year})
    return body + iso7064_mod11_2(body)


def provincial_body_length() -> int:
    """Length of the digits before the check character, from the pattern (serial widths included)."""
    sample = provincial_pattern().format(
        province="00",
        school="0" * getattr(settings, "CREDENTIALS_PROVINCIAL_SCHOOL_DIGITS", 5),
        year="0000",
        yy="00",
        serial=0,
    )
    return len(sample)


@dataclass(frozen=True)
class ParsedNumber:
    number: str
    rule: str


def parse_certificate_number(raw: str) -> ParsedNumber:
    """Normalise and check a typed number; a wrong check character is refused here, before any query."""
    from zhijiao.core.validators import normalize_code

    number = normalize_code(raw or "").replace(" ", "").replace("-", "").upper()
    if NATIONAL_RE.fullmatch(number):
        return ParsedNumber(number, NumberRule.NATIONAL)
    length = provincial_body_length()
    if len(number) == length + 1 and number[:-1].isdigit() and number[-1] in string.digits + "X":
        if iso7064_mod11_2(number[:-1]) != number[-1]:
            raise ValidationError(
                _("The certificate number is mistyped: its check character does not match."),
                code="check_char",
            )
        return ParsedNumber(number, NumberRule.PROVINCIAL)
    raise ValidationError(_("This is not a valid certificate number."), code="format")


def next_serial(key: str) -> int:
    """Take the next serial under ``key``; the counter row stays locked until the caller commits."""
    with transaction.atomic():
        counter = NumberCounter.objects.select_for_update().filter(key=key).first()
        if counter is None:
            try:
                with transaction.atomic():
                    NumberCounter.objects.create(key=key, last_serial=0)
            except IntegrityError:
                pass  # another issuer created it first; lock theirs
            counter = NumberCounter.objects.select_for_update().get(key=key)
        counter.last_serial += 1
        NumberCounter.objects.filter(pk=counter.pk).update(last_serial=counter.last_serial)
        return counter.last_serial


def assign_number(*, institution, level: str, year: int) -> tuple[str, str]:
    """(number, rule) for a new certificate: national for 高职/本科 levels, provincial for 中职."""
    if level in NATIONAL_LEVEL_CODES:
        school = national_school_code(institution)
        prefix = f"{school}{NATIONAL_EDUCATION_TYPE}{year:04d}{NATIONAL_LEVEL_CODES[level]}"
        serial = next_serial(f"N{prefix}")
        return national_number(school_code=school, year=year, level=level, serial=serial), NumberRule.NATIONAL
    province = institution.region.path[:2]
    school = provincial_school_code(institution)
    serial = next_serial(f"P{province}{school}{year:04d}")
    number = provincial_number(province=province, school_code=school, year=year, serial=serial)
    return number, NumberRule.PROVINCIAL

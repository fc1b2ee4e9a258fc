"""Validators for identity numbers, credit codes and free text.

Algorithms and test vectors: ``shared/domain/credentials.md`` §6.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from operator import mul

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_CONTROL_OR_MARKUP = re.compile(r"[<>\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


# Invisible characters that change what a text compares equal to without changing how it looks:
# format characters (Unicode category Cf: zero-width space/joiners, word joiner, BOM, soft hyphen,
# bidi embeddings, overrides, isolates and marks — the "Trojan Source" class, CVE-2021-42574), and
# private-use code points (Co), which show only with the font that made them.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")


def strip_invisible(value: str, *, keep_private_use: bool = False) -> str:
    """``value`` without format characters (category Cf) and, unless ``keep_private_use``, without
    private-use code points. A person's name keeps private-use code points: a rare character typed
    with a vendor font is flagged for checking, not deleted (credentials.md §4.2)."""
    if value.isprintable():  # Cf and Co are never printable: nothing to strip
        return value
    out = "".join(c for c in value if unicodedata.category(c) != "Cf")
    if not keep_private_use:
        out = _PRIVATE_USE.sub("", out)
    return out


def normalize_text(value: str, *, keep_private_use: bool = False) -> str:
    """The one normaliser of names and free text (imports, forms, API, the public lookup): NFC,
    invisible characters removed (``strip_invisible``), ideographic and other odd spaces folded,
    ends trimmed. "张\u200b三" becomes "张三", so what people type finds what was stored."""
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    # Fast path: every whitespace and invisible character but the ASCII space is non-printable, so a
    # printable value without doubled or outer spaces is already in its final form.
    if value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value
    value = strip_invisible(value, keep_private_use=keep_private_use)
    value = value.replace("\u3000", " ").replace("\xa0", " ")
    return _SPACES.sub(" ", value).strip()


def normalize_code(value: str) -> str:
    """NFKC (full-width digits and letters to ASCII), every space removed, upper case."""
    value = str(value)
    if value.isascii() and value.isprintable() and " " not in value:
        return value.upper()  # NFKC leaves printable ASCII alone
    value = unicodedata.normalize("NFKC", value)
    return _SPACES.sub("", value).upper()


def validate_plain_text(value: str) -> None:
    """Names and short texts: no markup or control characters."""
    if value and _CONTROL_OR_MARKUP.search(value):
        raise ValidationError(_("Must not contain markup (< or >) or control characters."), code="markup")


# --- 居民身份证号码, GB 11643-1999 (ISO 7064 MOD 11-2) — credentials.md §6.1 -----------------
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


_ID_ZERO = ord("0") * sum(_ID_WEIGHTS)


def resident_id_check_char(body17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    if len(body17) == 17 and body17.isascii() and body17.isdigit():
        # The same sum over the ASCII codes, in C (imports check 100,000 numbers at a time).
        return _ID_CHECK[(sum(map(mul, body17.encode(), _ID_WEIGHTS)) - _ID_ZERO) % 11]
    return _ID_CHECK[sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS, strict=True)) % 11]


_today_seen = date.min  # the latest date.today() seen; the date never goes back


def _today() -> date:
    """date.today(), remembered: a birth date on or before a day already seen needs no clock call."""
    global _today_seen
    _today_seen = date.today()
    return _today_seen


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    gender: str  # "male" / "female": odd order code = male (GB 11643 §5.3)
    division_code: str


def parse_resident_id(value: str) -> ResidentId:
    """Validate an 18-digit 居民身份证号码 and return its parts; raises ValidationError in Chinese.

    Source: GB 11643-1999 (structure, MOD 11-2 check character); old 15-digit numbers are not
    accepted here because every living student's card carries 18 digits.
    """
    number = normalize_code(value)
    if len(number) != 18:
        raise ValidationError(_("An ID number has 18 characters."), code="id_length")
    if not _ID_RE.match(number):
        raise ValidationError(_("An ID number has 17 digits followed by a digit or X."), code="id_format")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date in the ID number is not a real date."), code="id_birth")
    if birth.year < 1900 or (birth > _today_seen and birth > _today()):
        raise ValidationError(_("The birth date in the ID number is out of range."), code="id_birth")
    if resident_id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("The ID number's check digit is wrong."), code="id_check")
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentId(number=number, birth_date=birth, gender=gender, division_code=number[:6])


def validate_resident_id(value: str) -> None:
    parse_resident_id(value)


def mask_resident_id(value: str) -> str:
    """Show the first 6 and last 4 characters only (PIPL: minimal disclosure)."""
    if not value or len(value) < 10:
        return "*" * len(value or "")
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    digits = value or ""
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


# --- 统一社会信用代码, GB 32100-2015 (check character per GB/T 17710) — credentials.md §6.2 -------
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
# Position 1: the registering authority. python-stdnum wrongly demands a digit here and rejects
# the legitimate A, N and Y (credentials.md §6.2 caveat), so we check it ourselves.
_USCC_AUTHORITIES = set("123456789ANY")


_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}


def uscc_check_char(body17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    return normalize_code(value)


def validate_uscc(value: str) -> None:
    """Validate a 统一社会信用代码 (GB 32100-2015): structure and check character."""
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="uscc_length")
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "The credit code contains characters that are not allowed: %(chars)s (I, O, S, V and Z are never used)."
            ),
            code="uscc_chars",
            params={"chars": "".join(bad)},
        )
    if code[0] not in _USCC_AUTHORITIES:
        raise ValidationError(
            _("The first character of the credit code (registering authority) is not valid."),
            code="uscc_authority",
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 of the credit code must be a division code."), code="uscc_division"
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(_("The credit code's check character is wrong."), code="uscc_check")

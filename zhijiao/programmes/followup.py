"""Follow-up rounds after 立项 (中期检查, 验收, 期满考核) — the parts without writes: a round's rubric
checked, an expert's scores checked against it, the kind of message a report's deadline calls for."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhijiao.core import rules

from .choices import FollowUpKind, NotificationKind

CODE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


def rubric_check(rubric) -> list[dict]:
    """A round's rubric: items ``{code, name, max}`` whose highest scores add up to 100."""
    if not isinstance(rubric, list) or not rubric:
        raise ValidationError({"rubric": _("An expert review scores reports on at least one rubric item.")})
    out, codes, total = [], set(), Decimal(0)
    for i, item in enumerate(rubric, start=1):
        if not isinstance(item, dict):
            raise ValidationError({"rubric": _("Rubric item %(n)d is not a mapping.") % {"n": i}})
        code, name = str(item.get("code") or ""), str(item.get("name") or "").strip()
        try:
            top = Decimal(str(item.get("max")))
        except (InvalidOperation, ValueError):
            top = Decimal(-1)
        if not CODE.match(code) or code in codes or not name or not top.is_finite() or top <= 0:
            raise ValidationError(
                {
                    "rubric": _("Rubric item %(n)d needs a unique code, a name and a positive highest score.")
                    % {"n": i}
                }
            )
        codes.add(code)
        total += top
        out.append({"code": code, "name": name[:100], "max": format(top.normalize(), "f")})
    if total != 100:
        raise ValidationError(
            {
                "rubric": _("The rubric's highest scores add up to 100 (now %(n)s).")
                % {"n": format(total.normalize(), "f")}
            }
        )
    return out


def scores_clean(rubric: list[dict], scores: dict) -> tuple[dict[str, str], Decimal]:
    """The rubric's scoring rule, used by every scoring in the platform (programme reviews, follow-up
    reviews, competition judges): scores by item code, each between 0 and the item's highest with at
    most one decimal, and their total; a ValidationError keyed by item code otherwise."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    total = Decimal(0)
    for item in rubric:
        raw = str(scores.get(item["code"], "")).strip()
        top = Decimal(str(item["max"]))
        try:
            value = Decimal(raw)
        except InvalidOperation:
            errors[item["code"]] = [_("Enter a score.")]
            continue
        if not value.is_finite() or value < 0 or value > top or value.as_tuple().exponent < -1:
            errors[item["code"]] = [
                _("A score between 0 and %(max)s, at most one decimal.")
                % {"max": format(top.normalize(), "f")}
            ]
            continue
        cleaned[item["code"]] = format(value.normalize(), "f")
        total += value
    if errors:
        raise ValidationError(errors)
    return cleaned, total


def due_kind(due: datetime.date, today: datetime.date) -> str | None:
    """The message a report due on ``due`` calls for today: a reminder on each of the rule's days
    before; an overdue notice on the day after and then daily (deduplicated per day)."""
    days_left = (due - today).days
    if days_left in tuple(rules.param("PROGRAMMES_FOLLOWUP_REMINDER_DAYS")) or days_left == 0:
        return NotificationKind.FOLLOWUP_REMINDER
    if days_left < 0:
        return NotificationKind.FOLLOWUP_OVERDUE
    return None


def escalation_due(due: datetime.date, today: datetime.date) -> bool:
    """Overdue by the rule's days or more: the city bureau is told."""
    return (today - due).days >= int(rules.param("PROGRAMMES_FOLLOWUP_ESCALATE_AFTER_DAYS"))


def accepts_award(kind: str) -> bool:
    """A pass in 验收 or 期满考核 closes the award as accepted; a 中期检查 leaves it under construction."""
    return kind in (FollowUpKind.ACCEPTANCE, FollowUpKind.TERM_END)

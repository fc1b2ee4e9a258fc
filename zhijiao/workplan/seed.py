"""Reading a work plan's wording from the issued document itself (``shared/seed/``).

The plan file (``data/plan_2021.yaml``) holds only what the document does not say as text — themes,
targets as quantities, the lead and co-operating units; every item's wording, its bold phrases, the
preamble and the seven shifts (七个转变) are read here from the document as issued, so there is one
source for the text and nothing is retyped.

The document's shape (鲁教职处函〔2021〕6号): a cover letter, the title, the preamble paragraph, the
shifts (lines starting with ——), the key points ("1." … "20."), then an attachment headed 日常工作 with
the routine tasks ("- 1." … or "15." …). Page breaks split some paragraphs over two lines; such a
continuation line is joined to the item before it. ``**…**`` marks the document's bold phrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ITEM = re.compile(r"^(?:-\s*)?(\d+)\.(.*)$")
BOLD = re.compile(r"\*\*(.+?)\*\*")
ROUTINE_HEADING = "日常工作"
ATTACHMENT_HEADING = "附件"
SHIFT_MARK = "——"


@dataclass
class SeedItem:
    number: int
    text: str  # the wording without the bold markers
    emphasis: list[str] = field(default_factory=list)  # the bold phrases, as the document marks them

    @property
    def heading(self) -> str:
        """The item's first sentence, which the document uses as its heading (without the 。)."""
        first = self.text.split("。", 1)[0]
        return first.strip()


@dataclass
class SeedPlan:
    preamble: str
    shifts: list[str]
    key_points: dict[int, SeedItem]
    routine_tasks: dict[int, SeedItem]


def seed_path(name: str) -> Path:
    return Path(settings.SHARED_SEED_DIR) / name


def _item(number: int, raw: str) -> SeedItem:
    emphasis = [m.strip() for m in BOLD.findall(raw) if m.strip()]
    return SeedItem(number=number, text=raw.replace("**", "").strip(), emphasis=emphasis)


def parse_seed(text: str) -> SeedPlan:
    """Split the document into preamble, shifts, key points and routine tasks (see the module doc)."""
    lines = [line.strip() for line in text.splitlines()]
    preamble = ""
    shifts: list[str] = []
    sections: dict[str, dict[int, str]] = {"key_points": {}, "routine_tasks": {}}
    section = "key_points"
    current: tuple[str, int] | None = None  # where a continuation line goes
    for line in lines:
        if not line:
            continue
        if line == ROUTINE_HEADING:
            section, current = "routine_tasks", None
            continue
        if line == ATTACHMENT_HEADING:
            current = None
            continue
        match = ITEM.match(line)
        if match and (preamble or section == "routine_tasks"):
            number = int(match.group(1))
            sections[section][number] = match.group(2)
            current = (section, number)
            continue
        if line.startswith(SHIFT_MARK):
            shifts.append(line.removeprefix(SHIFT_MARK))
            current = ("shift", len(shifts) - 1)
            continue
        if line.startswith("2021年，全省职业教育工作的总体思路"):
            preamble = line
            current = ("preamble", 0)
            continue
        if current is None:
            continue  # the cover letter and the title
        kind, index = current
        if kind == "shift":
            shifts[index] += line
        elif kind == "preamble":
            preamble += line
        else:
            sections[kind][index] += line
    return SeedPlan(
        preamble=preamble.replace("**", ""),
        shifts=[s.replace("**", "") for s in shifts],
        key_points={n: _item(n, raw) for n, raw in sorted(sections["key_points"].items())},
        routine_tasks={n: _item(n, raw) for n, raw in sorted(sections["routine_tasks"].items())},
    )


def read_seed(name: str) -> SeedPlan:
    path = seed_path(name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise ValidationError(
            _(
                "The issued document %(name)s is not readable at %(dir)s: point ZHIJIAO_SHARED_SEED_DIR "
                "at the folder that holds it."
            )
            % {"name": name, "dir": path.parent}
        )
    return parse_seed(text)

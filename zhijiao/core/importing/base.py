"""Column maps and the Importer base class: one map per model for import AND export.

An importer validates the WHOLE file before writing anything: every problem is collected as
(Excel row, column header, reason) and shown as 第 N 行 · 列名 · 原因; only a clean file is written,
in one transaction, through the app's bulk service.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhijiao.core.scoping import restrict, user_scope
from zhijiao.core.validators import normalize_code, normalize_text, validate_plain_text

from .bulk import filter_in
from .reading import Formula, Table

_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")

_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?E[+-]?\d+$")
ROW_MESSAGE = gettext_lazy("Row %(row)d · %(column)s · %(reason)s")


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        if self.row is None:
            return self.reason
        return str(ROW_MESSAGE) % {"row": self.row, "column": self.column or "-", "reason": self.reason}

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason, "message": str(self)}


def _labels_in_all_languages(label) -> set[str]:
    out = {str(label)}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            out.add(str(label))
    return out


def _header_key(value: Any) -> str:
    text = normalize_text(str(value)) if value is not None else ""
    return text.rstrip("*＊ ").strip().casefold()


@dataclass(frozen=True)
class Column:
    """One spreadsheet column: how it is read (``type`` then ``parse``) and how it is exported.

    ``type``: text | code | int | choice. ``parse``: a callable or the name of an importer method
    that turns the converted cell into the model value (lookups). ``export``: an attribute name or
    callable(obj) giving the cell. ``importable=False`` marks export-only columns (shown for
    reading, ignored on import).
    """

    key: str
    label: Any
    required: bool = False
    type: str = "text"
    choices: Any = None
    numeric_digits: int | None = None
    parse: str | Callable | None = None
    export: str | Callable | None = None
    importable: bool = True
    checked: bool = False  # the parser already ran the model field's validators
    help: Any = ""
    #: A person's name: private-use code points are kept (and flagged), not stripped.
    keep_private_use: bool = False
    #: ``core.sensitive`` kind: the exported cell is masked (set from the model's registry by
    #: ``Importer.export_columns`` for a column named after a sensitive field).
    sensitive: str | None = None

    def header(self) -> str:
        return str(self.label)

    def header_keys(self) -> set[str]:
        return {_header_key(h) for h in _labels_in_all_languages(self.label)} | {self.key.casefold()}

    def export_value(self, obj) -> Any:
        value = self._export_value(obj)
        if self.sensitive and isinstance(value, str):
            from zhijiao.core.sensitive import mask

            return mask(self.sensitive, value)
        return value

    def _export_value(self, obj) -> Any:
        if callable(self.export):
            return self.export(obj)
        value = getattr(obj, self.export or self.key)
        if isinstance(value, models.Model):
            return str(value)
        if self.choices is not None and value not in (None, ""):
            return str(self.choices(value).label)
        if isinstance(value, (bool, datetime.datetime)):  # 是/否 and Beijing time, as on the pages
            from zhijiao.core import display

            return display.shown(value)
        return value


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    ok: bool = True
    existing: models.Model | None = None


@dataclass
class ValidationReport:
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Failed:
    """A cell whose conversion failed (kept in the per-column memo like a value)."""

    __slots__ = ("error",)

    def __init__(self, error: ValidationError):
        self.error = error


_MISS = object()
_MEMO_LIMIT = 50_000  # distinct texts kept per column (unique columns such as ID numbers recycle it)


def choice_lookup(choices) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in choices.choices:
        table[value.casefold()] = value
        for text in _labels_in_all_languages(label):
            table[normalize_text(text).casefold()] = value
    return table


class Importer:
    """Subclass per model; register with ``@register``. Instances live for one import run."""

    kind: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    model: ClassVar[type[models.Model]]
    columns: ClassVar[list[Column]] = []
    natural_key: ClassVar[tuple[str, ...]] = ()
    action: ClassVar[str] = "import"
    province_only: ClassVar[bool] = False
    description: ClassVar[Any] = ""
    duplicate_column: ClassVar[str | None] = None  # column blamed for in-file duplicates
    do_not_call_in_templates: ClassVar[bool] = True  # templates receive the class itself
    # Convert each distinct text cell once per column: ``to_*`` converters and ``parse`` callables
    # must then be pure functions of the cell (lookups in tables loaded by ``prepare`` are fine).
    memoize_cells: ClassVar[bool] = True

    def __init__(self, actor):
        self.actor = actor
        self._choice_tables: dict[Any, dict[str, str]] = {}

    # --- who may use it ------------------------------------------------------------------
    @classmethod
    def available_to(cls, user) -> bool:
        scope = user_scope(user)
        if not scope.allows(cls.action):
            return False
        if cls.province_only:
            return scope.is_province
        return True

    # --- column map ----------------------------------------------------------------------
    @classmethod
    def import_columns(cls) -> list[Column]:
        return [c for c in cls.columns if c.importable]

    def column_required(self, column: Column) -> bool:
        return column.required

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    # --- export --------------------------------------------------------------------------
    @classmethod
    def export_headers(cls) -> list[str]:
        return [c.header() for c in cls.columns]

    @classmethod
    def export_columns(cls) -> list[Column]:
        """The columns as exported: one named after a sensitive field of the model (``core.sensitive``)
        is masked, whatever its ``export`` does — the full value never leaves in a file."""
        import dataclasses

        from zhijiao.core.sensitive import kind_of

        out = []
        for col in cls.columns:
            kind = col.sensitive or kind_of(cls.model, col.export if isinstance(col.export, str) else col.key)
            out.append(dataclasses.replace(col, sensitive=kind) if kind != col.sensitive else col)
        return out

    @classmethod
    def export_queryset(cls, queryset):
        return queryset

    @classmethod
    def export_rows(cls, queryset) -> Iterable[list[Any]]:
        columns = cls.export_columns()
        for obj in cls.export_queryset(queryset).iterator(chunk_size=2000):
            yield [c.export_value(obj) for c in columns]

    @classmethod
    def export_response(cls, queryset, filename: str):
        from zhijiao.core.tabular import xlsx_response

        return xlsx_response(
            filename=filename,
            headers=cls.export_headers(),
            rows=cls.export_rows(queryset),
            sheet_title=str(cls.label),
        )

    # --- validation ----------------------------------------------------------------------
    def validate(self, table: Table, progress: Callable[[int, int], None] | None = None) -> ValidationReport:
        report = ValidationReport()
        self.errors = report.errors
        mapping = self._map_headers(table.headers)
        if report.errors:
            return report
        by_index = {col.key: idx for idx, col in mapping.items()}
        for row_no, col_idx, ref in table.merged:
            column = mapping.get(col_idx)
            header = column.header() if column else ref.rstrip("0123456789")
            self.add_error(
                row_no,
                header,
                _("merged cells (%(range)s); unmerge them and fill in every cell") % {"range": ref},
            )
        self.present = set(by_index)
        self.prepare([cells for _line, cells in table.rows], by_index)
        total = len(table.rows)
        plan = [
            (
                idx,
                col,
                getattr(self, f"to_{col.type}"),
                getattr(self, col.parse) if isinstance(col.parse, str) else col.parse,
                self.column_required(col),
                {} if self.memoize_cells else None,
            )
            for idx, col in mapping.items()
        ]
        miss = _MISS
        rows_out = report.rows
        for n, (line, cells) in enumerate(table.rows, start=1):
            row = Row(line=line, values={})
            values = row.values
            width = len(cells)
            for idx, col, converter, parse, required, memo in plan:
                cell = cells[idx] if idx < width else None
                if memo is not None and (type(cell) is str or type(cell) is int or cell is None):
                    # Cells repeat (genders, dates, codes, class names, years): convert each distinct
                    # text or whole number once per column (never bool or float: True == 1 == 1.0).
                    # Converters and parsers are pure functions of the cell.
                    value = memo.get(cell, miss)
                    if value is miss:
                        value = memo[cell] = self._convert_cell(col, cell, converter, parse)
                        if len(memo) > _MEMO_LIMIT:
                            memo.clear()
                else:
                    value = self._convert_cell(col, cell, converter, parse)
                if type(value) is _Failed:
                    self.add_error(line, col, value.error)
                    row.ok = False
                    continue
                if required and (value is None or value == ""):
                    self.add_error(line, col, _("is required"))
                    row.ok = False
                    continue
                values[col.key] = value
            if row.ok:
                try:
                    row.values = self.clean_row(values, row) or values
                except ValidationError as exc:
                    self._add_validation_error(row, exc)
            rows_out.append(row)
            if progress and n % 1000 == 0:
                progress(n, total)
        self._check_duplicates(report.rows)
        good = [r for r in report.rows if r.ok]
        self._attach_existing(good)
        for row in good:
            try:
                self.check_row(row)
            except ValidationError as exc:
                self._add_validation_error(row, exc)
        if progress:
            progress(total, total)
        report.errors.sort(key=lambda e: e.row or 0)
        return report

    @staticmethod
    def _convert_cell(col: Column, cell: Any, converter, parse) -> Any:
        """The column value of one cell, or ``_Failed`` holding the ValidationError."""
        try:
            if isinstance(cell, Formula):
                raise ValidationError(
                    _("contains a formula (%(formula)s); paste the values instead")
                    % {"formula": cell.text[:40]}
                )
            value = converter(col, cell)
            if parse is not None and value is not None and value != "":
                value = parse(value)
        except ValidationError as exc:
            return _Failed(exc)
        return value

    def _map_headers(self, headers: list[Any]) -> dict[int, Column]:
        wanted: dict[str, Column] = {}
        for col in self.columns:
            for k in col.header_keys():
                wanted.setdefault(k, col)
        mapping: dict[int, Column] = {}
        seen: dict[str, int] = {}
        for idx, header in enumerate(headers):
            if header is None or not str(header).strip():
                continue
            key = _header_key(header)
            col = wanted.get(key)
            if col is None:
                self.add_error(
                    1, normalize_text(str(header)), _("unknown column; use the headers of the template")
                )
                continue
            if col.key in seen:
                self.add_error(1, col.header(), _("the column appears twice"))
                continue
            seen[col.key] = idx
            if col.importable:
                mapping[idx] = col
        for col in self.import_columns():
            if col.key not in seen and self.column_required(col):
                self.add_error(1, col.header(), _("required column is missing"))
        return mapping

    def add_error(self, line: int | None, column: Column | str, reason) -> None:
        header = column.header() if isinstance(column, Column) else str(column)
        if isinstance(reason, ValidationError):
            for message in reason.messages:
                self.errors.append(RowError(line, header, str(message)))
        else:
            self.errors.append(RowError(line, header, str(reason)))

    def _add_validation_error(self, row: Row, exc: ValidationError) -> None:
        row.ok = False
        if hasattr(exc, "error_dict"):
            for key, errors in exc.error_dict.items():
                column = self._column_for_field(key)
                for err in errors:
                    self.add_error(row.line, column, ValidationError(err.messages))
        else:
            self.add_error(row.line, self._column_for_field(NON_FIELD_ERRORS), exc)

    def _column_for_field(self, key: str) -> Column | str:
        for col in self.columns:
            if col.key == key:
                return col
        if key == NON_FIELD_ERRORS and self.natural_key:
            return self.column(self.natural_key[0])
        return key

    # --- cell conversion -----------------------------------------------------------------
    def convert(self, col: Column, cell: Any) -> Any:
        if isinstance(cell, Formula):
            raise ValidationError(
                _("contains a formula (%(formula)s); paste the values instead") % {"formula": cell.text[:40]}
            )
        converter = getattr(self, f"to_{col.type}")
        value = converter(col, cell)
        if col.parse is not None and value not in (None, ""):
            parse = getattr(self, col.parse) if isinstance(col.parse, str) else col.parse
            value = parse(value)
        return value

    def to_text(self, col: Column, cell: Any) -> str:
        if cell is None:
            return ""
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)
        if isinstance(cell, datetime.datetime):
            cell = cell.date() if not cell.time() else cell
        if isinstance(cell, (datetime.date, datetime.datetime)):
            cell = cell.isoformat()
        value = normalize_text(str(cell), keep_private_use=col.keep_private_use)
        validate_plain_text(value)
        return value

    def to_date(self, col: Column, cell: Any) -> datetime.date | None:
        """A date cell: an Excel date, 2007-09-01, 2007/9/1, 2007.9.1, 2007年9月1日 or 20070901."""
        if cell is None or cell == "":
            return None
        if isinstance(cell, datetime.datetime):
            return cell.date()
        if isinstance(cell, datetime.date):
            return cell
        if isinstance(cell, (int, float)) and float(cell).is_integer() and 19000101 <= int(cell) <= 21001231:
            cell = str(int(cell))
        text = normalize_code(str(cell))
        if not text:
            return None
        m = _DATE_RE.match(text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
        if m:
            try:
                return datetime.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                pass
        raise ValidationError(_("“%(value)s” is not a date (use YYYY-MM-DD)") % {"value": str(cell)[:30]})

    def to_code(self, col: Column, cell: Any) -> str:
        if cell is None:
            return ""
        if isinstance(cell, bool) or isinstance(cell, (datetime.date, datetime.datetime, datetime.time)):
            raise ValidationError(_("is not a code"))
        if isinstance(cell, (int, float, Decimal)):
            digits = str(int(cell)) if float(cell).is_integer() else ""
            if col.numeric_digits and digits and len(digits) == col.numeric_digits and abs(cell) < 2**53:
                return digits
            raise ValidationError(
                _(
                    "was stored as a number (%(value)s), which loses digits and a trailing X; format the "
                    "column as Text and type the code again"
                )
                % {"value": _number_text(cell)}
            )
        value = normalize_code(str(cell))
        if _SCIENTIFIC.match(value):
            raise ValidationError(
                _(
                    "was stored as a number (%(value)s), which loses digits and a trailing X; format the "
                    "column as Text and type the code again"
                )
                % {"value": value}
            )
        validate_plain_text(value)
        return value

    def to_int(self, col: Column, cell: Any) -> int | None:
        if cell is None:
            return None
        if isinstance(cell, bool):
            raise ValidationError(_("must be a whole number"))
        if isinstance(cell, int):
            return cell
        if isinstance(cell, (float, Decimal)) and float(cell).is_integer():
            return int(cell)
        text = normalize_code(str(cell)).replace(",", "")
        if text == "":
            return None
        if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
            return int(float(text)) if "." in text else int(text)
        raise ValidationError(_("must be a whole number"))

    def to_choice(self, col: Column, cell: Any) -> str:
        text = self.to_text(col, cell)
        if not text:
            return ""
        table = self._choice_tables.get(col.choices)
        if table is None:
            table = self._choice_tables[col.choices] = choice_lookup(col.choices)
        value = table.get(text.casefold()) or table.get(normalize_code(text).casefold())
        if value is None:
            allowed = "、".join(str(label) for _v, label in col.choices.choices)
            raise ValidationError(
                _("“%(value)s” is not one of: %(allowed)s") % {"value": text, "allowed": allowed}
            )
        return value

    # --- hooks ---------------------------------------------------------------------------
    def prepare(self, rows: list[list[Any]], index: dict[str, int]) -> None:
        """Load every lookup the rows need in a few queries (``index``: column key → cell index)."""

    def clean_row(self, values: dict[str, Any], row: Row) -> dict[str, Any]:
        """Cross-column rules and lookups; raise ValidationError({column key: message})."""
        return values

    def key_of(self, values: dict[str, Any]) -> tuple:
        return tuple(getattr(values.get(k), "pk", values.get(k)) for k in self.natural_key)

    def existing_queryset(self):
        return self.model._default_manager.all()

    def _check_duplicates(self, rows: list[Row]) -> None:
        first_seen: dict[tuple, int] = {}
        column = self.column(self.duplicate_column or self.natural_key[0])
        for row in rows:
            if not row.ok:
                continue
            key = self.key_of(row.values)
            if key in first_seen:
                row.ok = False
                self.add_error(
                    row.line, column, _("duplicates row %(row)d of this file") % {"row": first_seen[key]}
                )
            else:
                first_seen[key] = row.line

    def _attach_existing(self, rows: list[Row]) -> None:
        """Existing rows by natural key, and which of them the actor may change (a few queries)."""
        if not rows:
            self.in_scope_pks: set = set()
            return
        first = self.natural_key[0]
        field_name = self.model._meta.get_field(first).attname
        values = list({getattr(r.values[first], "pk", r.values[first]) for r in rows})
        attnames = [self.model._meta.get_field(k).attname for k in self.natural_key]
        found: dict[tuple, models.Model] = {}
        for qs in filter_in(self.existing_queryset(), field_name, values):
            for obj in qs:
                found[tuple(getattr(obj, a) for a in attnames)] = obj
        pks = [o.pk for o in found.values()]
        self.in_scope_pks = set()
        if pks:
            for qs in filter_in(self.model._default_manager.all(), "pk", pks):
                self.in_scope_pks.update(restrict(qs, self.actor, self.action).values_list("pk", flat=True))
        for row in rows:
            row.existing = found.get(self.key_of(row.values))

    def check_row(self, row: Row) -> None:
        """Scope and database checks after the whole file is parsed; default: existing rows in scope."""
        if row.existing is not None and row.existing.pk not in self.in_scope_pks:
            raise ValidationError(
                {self.natural_key[0]: _("belongs to an organisation outside yours; you cannot change it")}
            )

    def model_check(self, row: Row, fields: dict[str, Any], exclude: Iterable[str] = ()) -> None:
        """The model's field validators (lengths, formats, markup) without per-row queries.

        Choice columns were checked by ``to_choice``, text columns by ``validate_plain_text`` and
        columns with ``checked=True`` by their parser, so only what remains runs here.
        """
        checks = self._field_checks()
        errors: dict[str, list] = {}
        for name, value in fields.items():
            check = checks.get(name)
            if check is None or name in exclude or value is None or value == "":
                continue
            max_length, validators = check
            try:
                if max_length is not None and len(value) > max_length:
                    MaxLengthValidator(max_length)(value)
                for validator in validators:
                    validator(value)
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)

    @classmethod
    def _field_checks(cls) -> dict[str, tuple[int | None, list]]:
        cached = cls.__dict__.get("_checks_cache")
        if cached is not None:
            return cached
        checks: dict[str, tuple[int | None, list]] = {}
        for col in cls.import_columns():
            try:
                f = cls.model._meta.get_field(col.key)
            except Exception:
                continue
            if f.is_relation or col.type == "choice":
                continue
            skip = {validate_plain_text} if col.type in ("text", "code") else set()
            validators = (
                []
                if col.checked
                else [
                    v
                    for v in f.validators
                    if not isinstance(v, MaxLengthValidator) and not any(v is s for s in skip)
                ]
            )
            checks[col.key] = (getattr(f, "max_length", None), validators)
        cls._checks_cache = checks
        return checks

    # --- writing -------------------------------------------------------------------------
    def write(self, rows: list[Row], actor) -> dict[str, int]:
        raise NotImplementedError


def _number_text(value) -> str:
    if isinstance(value, float) and abs(value) >= 1e15:
        return f"{value:.6E}"
    return str(value)


registry: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    registry[cls.kind] = cls
    return cls


def autodiscover() -> dict[str, type[Importer]]:
    """Import every app's ``AppConfig.importers`` module (its classes ``register`` themselves)."""
    from zhijiao.core.contributions import import_contributed_modules

    import_contributed_modules("importers")
    return registry


def get_importer(kind: str) -> type[Importer] | None:
    autodiscover()
    return registry.get(kind)

"""The placement list's search terms next to the placement (issue 16): the student's name, name terms,
ID number and 学籍号 copied onto the placement row, so a search is answered from the placement's own
indexes instead of reading thousands of students and joining.

PostgreSQL only (migration ``internships`` 0022): four columns the models do not declare —
``search_name``, ``search_terms`` (the student's generated ``core.search`` terms, GIN-indexed),
``search_id_number`` and ``search_registry_number`` (prefix b-trees) — kept by triggers:

- a row trigger BEFORE INSERT OR UPDATE OF ``enrolment_id`` copies them from the enrolment's student
  (every write path: services, COPY, bulk updates);
- a statement trigger AFTER UPDATE on students copies a changed name or number to the student's
  placements (one UPDATE of the placements whose student changed);
- ``BACKFILL`` sets every placement's from its student, set-based (the migration, the bench loader).

``Placement.objects.filter(id__studentsearch="王芳")`` is the lookup (``PlacementStudentSearch``);
on SQLite (the demo) it reads the student through the join with ``LIKE`` instead.
"""

from __future__ import annotations

from django.db.models import Lookup

from zhijiao.core.search import _SPACES, CODE_PREFIX_MIN, TERMS_COLUMN, _like_escape, classify, name_terms
from zhijiao.core.validators import normalize_code

TABLE = "internships_placement"
COLUMNS = ("search_name", "search_terms", "search_id_number", "search_registry_number")
# The student's columns each is copied from.
SOURCES = ("name", TERMS_COLUMN, "id_number", "registry_number")


class PlacementStudentSearch(Lookup):
    """``id__studentsearch``: the student's name (1–4 characters, pinyin or initials) or the start of an
    ID number or 学籍号 (at least ``CODE_PREFIX_MIN`` characters; shorter must match whole) — the same
    matches as ``students.filtersets.student_search_q``, from the placement's own columns."""

    lookup_name = "studentsearch"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        value = str(self.rhs or "").strip()
        kind = classify(value)
        if not kind:
            return "1=0", []
        if connection.vendor != "postgresql":
            return self._joined(compiler, connection, value)
        alias = compiler.quote_name_unless_alias(self.lhs.alias)
        if kind == "code":
            code = normalize_code(value)
            if len(code) >= CODE_PREFIX_MIN:
                like = _like_escape(code) + "%"
                return (
                    f"({alias}.search_id_number LIKE %s OR {alias}.search_registry_number LIKE %s)",
                    [like, like],
                )
            return f"({alias}.search_id_number = %s OR {alias}.search_registry_number = %s)", [code, code]
        text = _SPACES.sub("", value.lower())
        if kind == "pinyin":
            return f"{alias}.search_terms && %s::text[]", [[f"p:{text}", f"i:{text}"]]
        sql = f"{alias}.search_terms @> %s::text[]"
        params: list = [name_terms(text)]
        if len(text) > 2:
            sql += f" AND lower({alias}.search_name) LIKE %s"
            params.append(f"%{_like_escape(text)}%")
        return sql, params

    def _joined(self, compiler, connection, value):
        """Elsewhere (SQLite): the student through the enrolment, as the students' search does."""
        from zhijiao.students.filtersets import student_search_q

        from .models import Placement

        inner = (
            Placement.objects.filter(student_search_q(value, prefix="enrolment__student__"))
            .order_by()
            .values("pk")
        )
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql, params = inner.query.get_compiler(connection=connection).as_sql()
        return f"{lhs} IN ({sql})", [*lhs_params, *params]


_COPY = ", ".join(f"s.{qn}" for qn in SOURCES)

ROW_FUNCTION = "zhijiao_placement_search_row"
STUDENT_FUNCTION = "zhijiao_placement_search_student"

INSTALL = [
    *(
        f'ALTER TABLE "{TABLE}" ADD COLUMN IF NOT EXISTS "{column}" {kind}'
        for column, kind in zip(COLUMNS, ("text", "text[]", "text", "text"), strict=True)
    ),
    f"""CREATE OR REPLACE FUNCTION {ROW_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT {_COPY} INTO NEW.search_name, NEW.search_terms, NEW.search_id_number, NEW.search_registry_number
    FROM students_enrolment e JOIN students_student s ON s.id = e.student_id WHERE e.id = NEW.enrolment_id;
  RETURN NEW;
END $$""",
    f'DROP TRIGGER IF EXISTS "{TABLE}_search_row" ON "{TABLE}"',
    f'CREATE TRIGGER "{TABLE}_search_row" BEFORE INSERT OR UPDATE OF enrolment_id ON "{TABLE}"'
    f" FOR EACH ROW EXECUTE FUNCTION {ROW_FUNCTION}()",
    f"""CREATE OR REPLACE FUNCTION {STUDENT_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {TABLE} p SET search_name = n.name, search_terms = n.{TERMS_COLUMN},
      search_id_number = n.id_number, search_registry_number = n.registry_number
    FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN students_enrolment e ON e.student_id = n.id
    WHERE p.enrolment_id = e.id
      AND (n.name, n.{TERMS_COLUMN}, n.id_number, n.registry_number)
          IS DISTINCT FROM (o.name, o.{TERMS_COLUMN}, o.id_number, o.registry_number);
  RETURN NULL;
END $$""",
    'DROP TRIGGER IF EXISTS "students_student_placement_search" ON "students_student"',
    'CREATE TRIGGER "students_student_placement_search" AFTER UPDATE ON "students_student"'
    " REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows"
    f" FOR EACH STATEMENT EXECUTE FUNCTION {STUDENT_FUNCTION}()",
]

# Every placement's search columns from its student, in one statement (only rows that differ).
BACKFILL = (
    f"UPDATE {TABLE} p SET search_name = s.name, search_terms = s.{TERMS_COLUMN},"
    " search_id_number = s.id_number, search_registry_number = s.registry_number"
    " FROM students_enrolment e JOIN students_student s ON s.id = e.student_id"
    " WHERE e.id = p.enrolment_id AND (p.search_name, p.search_terms, p.search_id_number, p.search_registry_number)"
    f" IS DISTINCT FROM (s.name, s.{TERMS_COLUMN}, s.id_number, s.registry_number)"
)

INDEXES = [
    f'CREATE INDEX IF NOT EXISTS "internships_pl_search_terms" ON "{TABLE}" USING gin (search_terms)',
    f'CREATE INDEX IF NOT EXISTS "internships_pl_search_idno" ON "{TABLE}" (search_id_number text_pattern_ops)',
    f'CREATE INDEX IF NOT EXISTS "internships_pl_search_regno" ON "{TABLE}"'
    " (search_registry_number text_pattern_ops)",
]

UNINSTALL = [
    'DROP TRIGGER IF EXISTS "students_student_placement_search" ON "students_student"',
    f"DROP FUNCTION IF EXISTS {STUDENT_FUNCTION}()",
    f'DROP TRIGGER IF EXISTS "{TABLE}_search_row" ON "{TABLE}"',
    f"DROP FUNCTION IF EXISTS {ROW_FUNCTION}()",
    *(f'ALTER TABLE "{TABLE}" DROP COLUMN IF EXISTS "{column}"' for column in COLUMNS),
]


def backfill() -> int:
    """Copy every placement's search columns (after loading with triggers off)."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(BACKFILL)
        return cursor.rowcount

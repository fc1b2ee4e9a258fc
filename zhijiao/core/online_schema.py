"""Schema changes to large tables while the platform serves: a required column copied from a parent
row (``AddCopiedColumn``), an index added or dropped without stopping writes (``AddIndexOnline``,
``RemoveIndexOnline``: ``CONCURRENTLY`` on PostgreSQL).

docs/deploy.md §9: migrations run while the old code still serves. Adding a required column to a
table of tens of millions of rows (check-ins) as ``AddField`` + ``UPDATE`` + ``AlterField`` in one
transaction holds the table's exclusive lock for the whole UPDATE — over eight minutes for the
benchmark's 21 M check-ins — and every insert of the old code would then fail on the new NOT NULL.

``AddCopiedColumn`` does it on PostgreSQL in steps that each hold a lock for moments, every step
safe to run again (a migration interrupted half-way is finished by running ``migrate`` again):

1. the column, nullable (``ADD COLUMN IF NOT EXISTS``: the catalog only);
2. a BEFORE INSERT trigger filling it from the parent row when a writer leaves it out — the old code
   until it restarts, a loader — kept afterwards, so the copy holds for every writer; it runs only
   for such rows (``WHEN (NEW.column IS NULL)``);
3. the stored rows filled ``FILL_BATCH`` primary keys at a time, each range its own transaction
   (the migration is not atomic);
4. the foreign key ``NOT VALID``, then validated (a lock that lets writes go on);
5. NOT NULL through a ``CHECK … NOT VALID`` validated the same way, which lets ``SET NOT NULL``
   skip its own scan;
6. the index built ``CONCURRENTLY``.

Elsewhere (SQLite: the demo) the schema editor's own operations and no trigger: the services and
the model's ``save`` write the column.
"""

from __future__ import annotations

import copy

from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.models import AddIndex, RemoveIndex

FILL_BATCH = 50_000


class AddCopiedColumn(Operation):
    """Add ``field`` (a required foreign key) to ``model_name`` with ``index``, each stored row taking
    ``parent_table.parent_column`` of the parent its ``via`` column points at."""

    reversible = True
    reduces_to_sql = False
    atomic = False

    def __init__(self, model_name, name, field, index, *, parent_table, via, parent_column):
        self.model_name, self.name, self.field, self.index = model_name, name, field, index
        self.parent_table, self.via, self.parent_column = parent_table, via, parent_column

    def deconstruct(self):
        kwargs = {"parent_table": self.parent_table, "via": self.via, "parent_column": self.parent_column}
        return self.__class__.__name__, [self.model_name, self.name, self.field, self.index], kwargs

    def describe(self):
        return f"Add {self.name} to {self.model_name}, copied from {self.parent_table}"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name.lower()}_{self.name.lower()}"

    def state_forwards(self, app_label, state):
        state.add_field(app_label, self.model_name.lower(), self.name, self.field, True)
        state.add_index(app_label, self.model_name.lower(), self.index)

    # -- forwards
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        nullable = copy.copy(field)  # the same field, its relation resolved, nullable
        nullable.null = True
        if schema_editor.connection.vendor != "postgresql":
            schema_editor.add_field(model, nullable)
            self._fill(schema_editor, model, field)
            schema_editor.alter_field(model, nullable, field)  # rebuilds the table with its indexes
            with schema_editor.connection.cursor() as cursor:
                present = schema_editor.connection.introspection.get_constraints(cursor, model._meta.db_table)
            if self.index.name not in present:
                schema_editor.add_index(model, self.index)
            return
        table, column = model._meta.db_table, field.column
        quote = schema_editor.quote_name
        if schema_editor.connection.in_atomic_block:
            # Inside a transaction (a test), rows written earlier in it have deferred checks that
            # must run before PostgreSQL accepts an ALTER TABLE.
            schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} ADD COLUMN IF NOT EXISTS {quote(column)} "
            f"{field.db_type(schema_editor.connection)} NULL"
        )
        self._install_trigger(schema_editor, table, column)
        self._fill(schema_editor, model, field)
        self._foreign_key(schema_editor, model, field)
        self._not_null(schema_editor, table, column)
        _add_index(schema_editor, model, self.index)

    def _trigger(self, table, column) -> str:
        return f"{table}_{column}_copy"[:63]

    def _install_trigger(self, schema_editor, table, column) -> None:
        name = self._trigger(table, column)
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" SELECT p.{self.parent_column} INTO NEW.{column} FROM {self.parent_table} p"
            f" WHERE p.id = NEW.{self.via}; RETURN NEW; END $$"
        )
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW"
            f" WHEN (NEW.{column} IS NULL) EXECUTE FUNCTION {name}()"
        )

    def _fill(self, schema_editor, model, field) -> int:
        """Copy the parent's value into the stored rows that lack it, a range of keys at a time."""
        table, column = model._meta.db_table, field.column
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"SELECT min(id), max(id) FROM {table} WHERE {column} IS NULL")
            low, high = cursor.fetchone()
            if low is None:
                return 0
            if schema_editor.connection.vendor == "postgresql":
                sql = (
                    f"UPDATE {table} c SET {column} = p.{self.parent_column} FROM {self.parent_table} p"
                    f" WHERE p.id = c.{self.via} AND c.id >= %s AND c.id < %s AND c.{column} IS NULL"
                )
            else:
                sql = (
                    f"UPDATE {table} SET {column} = (SELECT p.{self.parent_column} FROM {self.parent_table} p"
                    f" WHERE p.id = {table}.{self.via}) WHERE id >= %s AND id < %s AND {column} IS NULL"
                )
            filled = 0
            for start in range(low, high + 1, FILL_BATCH):
                cursor.execute(sql, [start, start + FILL_BATCH])
                filled += max(cursor.rowcount, 0)
        return filled

    def _constraint_exists(self, schema_editor, name) -> bool:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [name])
            return cursor.fetchone() is not None

    def _foreign_key(self, schema_editor, model, field) -> None:
        name = str(schema_editor._fk_constraint_name(model, field, "_fk_%(to_table)s_%(to_column)s")).strip(
            '"'
        )
        if not self._constraint_exists(schema_editor, name):
            target = field.target_field
            schema_editor.execute(
                f'ALTER TABLE {model._meta.db_table} ADD CONSTRAINT "{name}" FOREIGN KEY ({field.column})'
                f" REFERENCES {target.model._meta.db_table} ({target.column}) DEFERRABLE INITIALLY DEFERRED"
                " NOT VALID"
            )
        schema_editor.execute(f'ALTER TABLE {model._meta.db_table} VALIDATE CONSTRAINT "{name}"')

    def _not_null(self, schema_editor, table, column) -> None:
        check = f"{table}_{column}_not_null"[:63]
        if self._constraint_exists(schema_editor, check):
            schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {check}")
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID"
        )
        schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {check}")
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL")
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {check}")

    # -- backwards
    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        schema_editor.remove_index(model, self.index)
        if schema_editor.connection.vendor == "postgresql":
            table, column = model._meta.db_table, field.column
            name = self._trigger(table, column)
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        schema_editor.remove_field(model, field)


def _index_state(schema_editor, name: str) -> bool | None:
    """True: a valid index of that name; False: an invalid one (a ``CONCURRENTLY`` build that was
    interrupted leaves it); None: none."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [name])
        found = cursor.fetchone()
    return None if found is None else bool(found[0])


def _add_index(schema_editor, model, index) -> None:
    """``index`` on ``model``: on PostgreSQL built ``CONCURRENTLY`` (writes go on; outside a
    transaction), its invalid leftover of an interrupted run dropped first, nothing done when it is
    there already; elsewhere the schema editor's own."""
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(model, index)
        return
    state = _index_state(schema_editor, index.name)
    if state is True:
        return
    if state is False:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index.name)}")
    schema_editor.add_index(model, index, concurrently=not schema_editor.connection.in_atomic_block)


def _remove_index(schema_editor, model, index) -> None:
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.remove_index(model, index)
        return
    concurrently = "" if schema_editor.connection.in_atomic_block else " CONCURRENTLY"
    schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {schema_editor.quote_name(index.name)}")


class AddIndexOnline(AddIndex):
    """``AddIndex`` that a large table's writers do not wait for (docs/deploy.md §9): on PostgreSQL
    ``CREATE INDEX CONCURRENTLY``, and safe to run again after an interruption (the migration is
    not atomic). Replacing an index: add the new one under another name, then ``RemoveIndexOnline``
    the old, so that the lists keep an index to read all the while."""

    atomic = False

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            _add_index(schema_editor, model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            _remove_index(schema_editor, model, self.index)


class RemoveIndexOnline(RemoveIndex):
    """``RemoveIndex`` with ``DROP INDEX CONCURRENTLY IF EXISTS`` on PostgreSQL (see ``AddIndexOnline``)."""

    atomic = False

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            _remove_index(schema_editor, model, index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            _add_index(schema_editor, model, index)


__all__ = ["FILL_BATCH", "AddCopiedColumn", "AddIndexOnline", "RemoveIndexOnline"]

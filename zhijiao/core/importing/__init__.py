"""The CSV/XLSX import pipeline (and the export that shares its column maps)."""

from .base import (
    Column,
    Importer,
    Row,
    RowError,
    ValidationReport,
    autodiscover,
    get_importer,
    register,
    registry,
)
from .reading import ImportFileError, Table, read_table
from .runner import ImportResult, run_import, store_upload, stored_name

__all__ = [
    "Column",
    "ImportFileError",
    "ImportResult",
    "Importer",
    "Row",
    "RowError",
    "Table",
    "ValidationReport",
    "autodiscover",
    "get_importer",
    "read_table",
    "register",
    "registry",
    "run_import",
    "store_upload",
    "stored_name",
]

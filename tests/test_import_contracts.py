"""The import contracts (pyproject.toml, [tool.importlinter]) hold: the kernel imports no app above
it, no cycle between apps, no app reads another's views, forms, tables or API. Cheap (under a
second from the cache); ``make test`` also runs ``lint-imports`` before pytest."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    linter = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout

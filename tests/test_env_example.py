""".env.example documents every environment variable the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READERS = re.compile(
    r"""(?:\benv(?:_bool|_int|_list)?|os\.environ\.get|os\.environ\.setdefault|os\.getenv)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)


def settings_variables() -> set[str]:
    names = set()
    for path in (ROOT / "config").glob("settings*.py"):
        for match in READERS.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return names


def documented_variables() -> dict[str, str]:
    """Variable → the comment block above its (possibly commented-out) KEY=value line."""
    documented, comment = {}, []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s?([A-Z][A-Z0-9_]*)=", line)
        if match and match.group(1) not in documented:
            documented[match.group(1)] = "\n".join(comment)
        elif line.startswith("#"):
            comment.append(line)
            continue
        if not line.strip():
            comment = []
    return documented


def test_every_setting_variable_is_documented_with_default_and_example():
    found = settings_variables()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_BEHIND_PROXY"} <= found
    documented = documented_variables()
    missing = sorted(found - set(documented))
    assert not missing, f".env.example lacks: {', '.join(missing)}"
    vague = sorted(
        name
        for name in found
        if "Default" not in documented[name] or f"Example: {name}=" not in documented[name]
    )
    assert not vague, f".env.example: give a Default and an 'Example: NAME=…' for: {', '.join(vague)}"


def test_example_lines_parse_as_plain_key_value():
    for number, line in enumerate((ROOT / ".env.example").read_text(encoding="utf-8").splitlines(), 1):
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*=[^\s\"']*", line), f".env.example:{number}: {line!r}"

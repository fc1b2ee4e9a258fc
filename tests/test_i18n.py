"""The Chinese catalogue is complete and its compiled .mo matches it.

`makemessages` runs on a temporary copy of the project (scripts/makemessages.sh, the same rules as
`make messages`), so the committed catalogue is never touched. Failures list every msgid that is
missing from the catalogue, untranslated or fuzzy, and every difference between the .po and the .mo.
The .mo is compared by content, not by file times (a git clone gives every file the same time).
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LANG = "zh_Hans"
LC_MESSAGES = Path("locale") / LANG / "LC_MESSAGES"
SKIP_DIRS = (
    ".git",
    ".venv",
    "node_modules",
    "var",
    "staticfiles",
    "vendor",
    "test-results",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "htmlcov",
)


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    fuzzy: bool = False

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr)

    def label(self) -> str:
        return (f"[{self.msgctxt}] " if self.msgctxt is not None else "") + repr(self.msgid)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(text: str) -> list[Entry]:
    """Entries of a PO file (header included as msgid ""; obsolete #~ entries left out)."""
    entries: list[Entry] = []
    current: dict | None = None
    target: tuple | None = None

    def flush():
        nonlocal current
        if current is not None and "msgid" in current:
            strs = [current["msgstr"][i] for i in sorted(current["msgstr"])]
            entries.append(
                Entry(
                    current["msgid"],
                    current.get("msgctxt"),
                    current.get("msgid_plural"),
                    strs,
                    current["fuzzy"],
                )
            )
        current = None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            continue
        if current is None:
            current = {"fuzzy": False, "msgstr": {}}
        if line.startswith("#,"):
            current["fuzzy"] = current["fuzzy"] or "fuzzy" in [f.strip() for f in line[2:].split(",")]
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            kind, index = target
            if kind == "msgstr":
                current["msgstr"][index] += _unquote(line)
            else:
                current[kind] += _unquote(line)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and "msgid" in current:  # no blank line between entries
            flush()
            current = {"fuzzy": False, "msgstr": {}}
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword == "msgstr" or match:
            index = int(match.group(1)) if match else 0
            current["msgstr"][index] = _unquote(rest)
            target = ("msgstr", index)
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            current[keyword] = _unquote(rest)
            target = (keyword, None)
        else:
            raise ValueError(f"unexpected PO line: {raw!r}")
    flush()
    return entries


def expected_mo_catalog(entries: list[Entry]) -> dict:
    """What msgfmt puts in the .mo: every translated, non-fuzzy entry (the header aside)."""
    catalog: dict = {}
    for entry in entries:
        if entry.msgid == "" or entry.fuzzy or not entry.translated:
            continue
        if entry.msgid_plural is not None:
            for index, text in enumerate(entry.msgstr):
                catalog[(entry.key, index)] = text
        else:
            catalog[entry.key] = entry.msgstr[0]
    return catalog


def read_mo(path: Path) -> dict:
    with path.open("rb") as fp:
        catalog = dict(gettext.GNUTranslations(fp)._catalog)
    catalog.pop("", None)
    return catalog


def _limit(lines: list[str], most: int = 400) -> str:
    more = f"\n  … and {len(lines) - most} more" if len(lines) > most else ""
    return "\n".join(f"  {line}" for line in lines[:most]) + more


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """A copy of the project whose catalogues `makemessages` has refreshed from the current code."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail(
            "GNU gettext is missing (xgettext, msgmerge): `make test` installs it; or apt-get install gettext"
        )
    copy = tmp_path_factory.mktemp("i18n") / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*SKIP_DIRS), symlinks=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")}
    env["PYTHON_BIN"] = sys.executable
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "makemessages.sh"), str(copy)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    return copy


def _domains(project: Path) -> list[str]:
    return sorted(p.stem for p in (project / LC_MESSAGES).glob("*.po"))


def test_catalogue_is_complete(regenerated):
    committed_dir = ROOT / LC_MESSAGES
    assert (committed_dir / "django.po").exists(), (
        f"{LC_MESSAGES / 'django.po'} is missing: run `make messages`"
    )
    problems = []
    for domain in _domains(regenerated):
        committed_po = committed_dir / f"{domain}.po"
        committed = (
            {e.key for e in parse_po(committed_po.read_text(encoding="utf-8"))}
            if committed_po.exists()
            else set()
        )
        for entry in parse_po((regenerated / LC_MESSAGES / f"{domain}.po").read_text(encoding="utf-8")):
            if entry.msgid == "":
                continue
            if entry.key not in committed:
                problems.append(f"{domain}: missing from the catalogue (run make messages): {entry.label()}")
            elif entry.fuzzy:
                problems.append(f"{domain}: fuzzy: {entry.label()}")
            elif not entry.translated:
                problems.append(f"{domain}: untranslated: {entry.label()}")
    if problems:
        pytest.fail(f"{len(problems)} strings lack a Chinese translation:\n{_limit(problems)}", pytrace=False)


def test_compiled_catalogue_matches_po():
    locale_dir = ROOT / LC_MESSAGES
    pos = sorted(locale_dir.glob("*.po"))
    assert pos, f"no catalogue in {LC_MESSAGES}: run `make messages`"
    problems = []
    for po in pos:
        mo = po.with_suffix(".mo")
        if not mo.exists():
            problems.append(f"{mo.name} is missing: run `make compilemessages`")
            continue
        want = expected_mo_catalog(parse_po(po.read_text(encoding="utf-8")))
        have = read_mo(mo)
        for key in sorted(set(want) | set(have), key=str):
            if key not in have:
                problems.append(f"{mo.name}: lacks {key!r}")
            elif key not in want:
                problems.append(f"{mo.name}: has {key!r}, which {po.name} no longer translates")
            elif want[key] != have[key]:
                problems.append(f"{mo.name}: {key!r} is {have[key]!r}, {po.name} says {want[key]!r}")
    if problems:
        pytest.fail(
            f"the .mo files are out of date (run `make compilemessages`):\n{_limit(problems)}", pytrace=False
        )


SAMPLE_PO = r"""# header comment
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=1; plural=0;\n"

msgid "Institutions"
msgstr "院校"

#, fuzzy, python-format
msgid "Row %(row)s"
msgstr "第 %(row)s 行"

msgctxt "verb"
msgid "Export"
msgstr ""

msgid "one file"
msgid_plural "%(n)s files"
msgstr[0] "%(n)s 个"
"文件"

msgid ""
"Say \"hi\"\n"
"twice"
msgstr "说\"你好\"\n两次"

#~ msgid "Old"
#~ msgstr "旧"
"""


def test_po_parser_reads_flags_context_plurals_and_escapes():
    entries = {e.key: e for e in parse_po(SAMPLE_PO)}
    assert set(entries) == {
        "",
        "Institutions",
        "Row %(row)s",
        "verb\x04Export",
        "one file",
        'Say "hi"\ntwice',
    }
    assert entries["Institutions"].translated and not entries["Institutions"].fuzzy
    assert entries["Row %(row)s"].fuzzy
    assert not entries["verb\x04Export"].translated
    assert entries["one file"].msgid_plural == "%(n)s files"
    assert entries["one file"].msgstr == ["%(n)s 个文件"]
    assert entries['Say "hi"\ntwice'].msgstr == ['说"你好"\n两次']
    assert expected_mo_catalog(list(entries.values())) == {
        "Institutions": "院校",
        ("one file", 0): "%(n)s 个文件",
        'Say "hi"\ntwice': '说"你好"\n两次',
    }


def test_mo_reader_agrees_with_msgfmt(tmp_path):
    if shutil.which("msgfmt") is None:
        pytest.fail("GNU gettext is missing (msgfmt): `make test` installs it; or apt-get install gettext")
    po = tmp_path / "sample.po"
    po.write_text(SAMPLE_PO, encoding="utf-8")
    subprocess.run(["msgfmt", "-o", str(tmp_path / "sample.mo"), str(po)], check=True)
    assert read_mo(tmp_path / "sample.mo") == expected_mo_catalog(parse_po(SAMPLE_PO))

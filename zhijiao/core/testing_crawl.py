"""Follow every link a user is shown, as that user, and report what a user would stumble on.

Used by ``tests/test_crawl.py`` (every demo role, in ``make test``) and runnable by hand against a
database that holds the demo (``python -m zhijiao.core.testing_crawl --role school``).

What is followed: every ``<a href>``, every ``hx-get`` and every GET form (submitted with the values
it shows) on every page reached from the start pages, same site only. What is a problem:

- a 5xx; a 404 or 403 reached from a link; a link that sends a signed-in user to the sign-in page;
- English on a page of the Chinese UI: visible text, ``<title>``, ``title``/``placeholder``/
  ``aria-label``/``alt`` attributes and button values. Proper names and codes are not English:
  a word in capitals (PDF, TOTP, ANOM-…), a word with a digit, ``_``, ``@``, ``/`` or ``.`` in it
  (codes, file names, addresses), the usernames, and ``ALLOWED_WORDS``;
  an element marked ``translate="no"`` is a proper name by the HTML standard and skipped;
- a raw value: ``True``/``False``/``None`` or an ISO 8601 timestamp (``2021-06-15T08:00:00+00:00``);
- a download without an RFC 6266 ``Content-Disposition`` (an ASCII ``filename=`` fallback and a
  ``filename*=UTF-8''…``); English, raw booleans or ISO timestamps in an exported XLSX.

The crawl is bounded without naming pages: URLs are grouped by their URL pattern and by whether
they sort, export or filter (``/students/12/`` and ``/students/40/`` are one group; ``?sort=name``
and ``?sort=-code`` another; ``?sort=name&export=xlsx`` a third); a group is visited
``PER_PATTERN`` times when it has no query (once when it answers with a file) and once otherwise.
So a new page is crawled as soon as some page links to it, without new code here.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.core.signals import got_request_exception
from django.urls import Resolver404, resolve

# Words of English the Chinese UI may show, each with its reason.
ALLOWED_WORDS = {
    "English",  # the language switch names its language in that language
    "JavaScript",  # a product name ("this page needs JavaScript")
    "Microsoft",  # authenticator apps, by their product names (the two-factor set-up page)
    "Google",
    "Authenticator",
    "FreeOTP",
    "Excel",  # a product name (导入 Excel 文件)
    "Word",  # a product name
    "Ctrl",  # a key name
    "Shift",  # a key name
    "Enter",  # a key name
    "Base",  # "Base32"/"Base45" when split by the tokeniser: an encoding's name
    "otpauth",  # the URI scheme an authenticator app reads
    "https",  # a URI scheme in an example address
    "http",  # a URI scheme in an example address
}
PER_PATTERN = 1
MAX_PAGES = 800  # per role: a crawl that gets here has lost its bound, which is itself a failure
PAGING_KEYS = {"page", "per_page"}
SKIPPED_PATHS = ("/static/", "/api/", "/i18n/", "/healthz")
ATTACHMENT_TYPES = ("application/pdf", "application/vnd.openxmlformats", "text/csv", "application/zip")

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
_CHUNK = re.compile(r"\S+")
_ISO_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_RAW = re.compile(r"(?<![A-Za-z])(True|False|None)(?![A-Za-z])")
_RFC6266 = re.compile(
    r"""^(attachment|inline); filename="[\x20-\x7e]+"; filename\*=UTF-8''[A-Za-z0-9%!#$&+.^_`|~-]+$"""
)
_SKIP_TEXT_TAGS = {"script", "style", "template"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_TEXT_ATTRS = ("title", "placeholder", "aria-label", "alt")
# Keys of chart data (json_script) whose values a chart draws as text; a code there is a defect.
LABEL_KEYS = {"categories", "name", "label", "labels", "title", "today_label"}
_CODE_LABEL = re.compile(r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)+")


@dataclass(frozen=True)
class Problem:
    role: str
    url: str
    referrer: str
    problem: str

    def __str__(self) -> str:
        return f"[{self.role}] {self.url}  (from {self.referrer or 'start'}): {self.problem}"


def english_words(text: str, proper_names: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The English words in a text shown to a Chinese user (proper names and codes left out)."""
    found = []
    for chunk in _CHUNK.findall(text):
        bare = chunk.strip("()（）[]【】「」\"'“”‘’,，.。:：;；!！?？、·…—-*#")
        if bare in proper_names:
            continue
        if re.search(r"[\d_@/.\\=&]", bare):
            continue  # a code, a file name, an address, a username
        for word in _WORD.findall(bare):
            if word.isupper() or word in ALLOWED_WORDS or word in proper_names:
                continue
            found.append(word)
    return found


def chart_labels(blocks: list[str]) -> list[str]:
    """The texts a chart draws, from the json_script data of a page (values under ``LABEL_KEYS``)."""
    import json

    out: list[str] = []

    def walk(node, labelled=False):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, labelled or k in LABEL_KEYS)
        elif isinstance(node, list):
            for v in node:
                walk(v, labelled)
        elif isinstance(node, str) and labelled:
            out.append(node)

    for block in blocks:
        try:
            walk(json.loads(block))
        except ValueError:
            continue
    return out


def raw_values(text: str) -> list[str]:
    """Python reprs and machine timestamps that leaked onto a page."""
    return [m.group(0) for m in _ISO_TIMESTAMP.finditer(text)] + [m.group(0) for m in _RAW.finditer(text)]


@dataclass
class _Form:
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    select: str | None = None
    select_value: str | None = None
    select_first: str | None = None


class PageParser(HTMLParser):
    """Links, GET forms and the texts a reader sees."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[_Form] = []
        self.texts: list[str] = []
        self.json_blocks: list[str] = []  # <script type="application/json">: chart data (json_script)
        self._json: list[str] | None = None
        self._stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self._form: _Form | None = None
        self._textarea: str | None = None

    @property
    def _skipping(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        skipped = (
            self._skipping
            or tag in _SKIP_TEXT_TAGS
            or a.get("translate") == "no"
            or (tag == "svg" and a.get("aria-hidden") == "true")
        )
        if tag == "script" and a.get("type") == "application/json":
            self._json = []
        if tag not in _VOID:
            self._stack.append((tag, skipped))
        if not skipped:
            for name in _TEXT_ATTRS:
                if a.get(name):
                    self.texts.append(a[name])
            if tag == "input" and a.get("type") in ("submit", "button", "reset") and a.get("value"):
                self.texts.append(a["value"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("hx-get"):
            self.links.append(a["hx-get"])
        if tag == "form":
            method = a.get("method", "get").lower()
            self._form = _Form(action=a.get("action", "")) if method == "get" else None
        elif self._form is not None:
            self._form_field(tag, a)

    def _form_field(self, tag, a):
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._form.select, self._form.select_value, self._form.select_first = name, None, None
        elif tag == "option" and self._form.select:
            value = a.get("value", "")
            if self._form.select_first is None:
                self._form.select_first = value
            if "selected" in a:
                self._form.select_value = value
        elif tag == "textarea" and name:
            self._textarea = name
            self._form.fields.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "script" and self._json is not None:
            self.json_blocks.append("".join(self._json))
            self._json = None
        if self._form is not None:
            if tag == "select" and self._form.select:
                value = self._form.select_value
                self._form.fields.append(
                    (self._form.select, value if value is not None else self._form.select_first or "")
                )
                self._form.select = None
            elif tag == "textarea":
                self._textarea = None
            elif tag == "form":
                self.forms.append(self._form)
                self._form = None
        # Pop to the matching open tag (HTML leaves some end tags out).
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        if self._json is not None:
            self._json.append(data)
        if self._textarea and self._form is not None and self._form.fields:
            name, value = self._form.fields[-1]
            self._form.fields[-1] = (name, value + data)
        if not self._skipping and data.strip():
            self.texts.append(data)


class Crawler:
    """Breadth-first over the links one signed-in client is shown."""

    def __init__(
        self,
        client,
        role: str,
        *,
        start: list[str],
        proper_names: frozenset[str] = frozenset(),
        signed_in: bool = True,
        login_path: str = "/accounts/login/",
        per_pattern: int = PER_PATTERN,
        max_pages: int = MAX_PAGES,
    ):
        self.client = client
        self.role = role
        self.start = start
        self.proper_names = proper_names
        self.signed_in = signed_in
        self.login_path = login_path
        self.per_pattern = per_pattern
        self.max_pages = max_pages
        self.problems: list[Problem] = []
        self.log = None  # a callable(url, status, seconds) to watch the crawl
        self.visited: dict[str, int] = {}  # url -> status
        self._groups: dict[tuple, set[str]] = {}
        self._downloads: set[tuple] = set()  # groups that answered with a file: one of each is enough

    # --- bounding ---------------------------------------------------------------------------------
    @staticmethod
    def group(url: str) -> tuple:
        """(URL pattern, exported?, sorted?, filtered?): pages of one group look alike to the crawl.

        Paging (``page``, ``per_page``) is not a group of its own; sorting and exporting are, so
        "sorted", "exported" and "sorted then exported" are each visited once per list.
        """
        parts = urlsplit(url)
        try:
            route = resolve(parts.path).route
        except Resolver404:
            route = parts.path
        keys = {k for k, _v in parse_qsl(parts.query, keep_blank_values=True)} - PAGING_KEYS
        exported, ordered = "export" in keys, "sort" in keys
        # A filtered page is a group of its own; filtered and then sorted or exported is not.
        return (route, exported, ordered, bool(keys - {"export", "sort"}) and not (exported or ordered))

    def _admit(self, url: str) -> bool:
        if url in self.visited:
            return False
        key = self.group(url)
        seen = self._groups.setdefault(key, set())
        plain = not any(key[1:])
        limit = self.per_pattern if plain and key not in self._downloads else 1
        if url in seen or len(seen) >= limit:
            return False
        seen.add(url)
        return True

    @staticmethod
    def normalise(href: str, base: str) -> str | None:
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:", "blob:")):
            return None
        parts = urlsplit(urljoin(base, href))
        if parts.scheme not in ("http", "https") or parts.netloc not in ("testserver", ""):
            return None
        if parts.path.startswith(SKIPPED_PATHS):
            return None
        query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
        return parts.path + (f"?{query}" if query else "")

    # --- the walk ---------------------------------------------------------------------------------
    def run(self) -> list[Problem]:
        queue: deque[tuple[str, str]] = deque()
        for url in self.start:
            url = self.normalise(url, "http://testserver/")
            if url and self._admit(url):
                queue.append((url, ""))
        while queue:
            if len(self.visited) >= self.max_pages:
                self.problem(queue[0][0], queue[0][1], f"the crawl passed {self.max_pages} pages: bound lost")
                break
            url, referrer = queue.popleft()
            started = time.monotonic()
            links = self.visit(url, referrer)
            if self.log:
                self.log(f"{url}  <- {referrer}", self.visited.get(url), time.monotonic() - started)
            for link in links:
                if self._admit(link):
                    queue.append((link, url))
        return self.problems

    def problem(self, url, referrer, text):
        self.problems.append(Problem(self.role, url, referrer, text))

    def _get(self, url, headers):
        errors = []

        def record(sender, request=None, **kwargs):
            import sys

            exc = sys.exc_info()[1]
            errors.append(f"{type(exc).__name__}: {exc}" if exc else "an exception")

        got_request_exception.connect(record)
        try:
            response = self.client.get(url, **headers)
        finally:
            got_request_exception.disconnect(record)
        response.crawl_errors = errors
        return response

    def visit(self, url: str, referrer: str) -> list[str]:
        headers = {"HTTP_REFERER": f"http://testserver{referrer}"} if referrer else {}
        response = self._get(url, headers)
        hops = 0
        while response.status_code in (301, 302, 303, 307, 308) and hops < 5:
            target = self.normalise(response["Location"], f"http://testserver{url}")
            if target is None:
                break
            if self.signed_in and urlsplit(target).path == self.login_path:
                self.visited[url] = response.status_code
                self.problem(url, referrer, "sends a signed-in user to the sign-in page")
                return []
            self.visited[url] = response.status_code
            url, hops = target, hops + 1
            if url in self.visited:
                return []  # the redirect lands on a page already checked
            response = self._get(url, headers)
        status = response.status_code
        self.visited[url] = status
        if status >= 500:
            self.problem(url, referrer, f"HTTP {status} " + "; ".join(response.crawl_errors)[:300])
            return []
        if status in (403, 404, 405):
            self.problem(url, referrer, f"HTTP {status} from a link")
            return []
        if status != 200:
            return []
        content_type = response.get("Content-Type", "")
        disposition = response.get("Content-Disposition", "")
        if disposition or content_type.startswith(ATTACHMENT_TYPES):
            self._downloads.add(self.group(url))
            self.check_download(url, referrer, response, content_type, disposition)
            return []
        if not content_type.startswith("text/html"):
            return []
        body = response.content.decode(response.charset or "utf-8", "replace")
        return self.check_page(url, referrer, body)

    # --- the checks -------------------------------------------------------------------------------
    def check_page(self, url: str, referrer: str, body: str) -> list[str]:
        parser = PageParser()
        parser.feed(body)
        english, raw = [], []
        for text in parser.texts:
            english += english_words(text, self.proper_names)
            raw += raw_values(text)
        if english:
            self.problem(url, referrer, "English on the page: " + ", ".join(sorted(set(english))[:12]))
        if raw:
            self.problem(url, referrer, "raw values on the page: " + ", ".join(sorted(set(raw))[:6]))
        shown = chart_labels(parser.json_blocks)
        codes = [t for t in shown if _CODE_LABEL.fullmatch(t)]
        english = [w for t in shown for w in english_words(t, self.proper_names)]
        if codes or english:
            self.problem(
                url,
                referrer,
                "codes or English as chart labels: " + ", ".join(sorted(set(codes + english))[:8]),
            )
        links = [self.normalise(h, f"http://testserver{url}") for h in parser.links]
        for form in parser.forms:
            action = self.normalise(form.action or url, f"http://testserver{url}")
            if action:
                query = urlencode([(k, v) for k, v in form.fields if v != ""])
                links.append(self.normalise(f"{urlsplit(action).path}?{query}", "http://testserver/"))
        return [link for link in links if link]

    def check_download(self, url, referrer, response, content_type, disposition):
        if not _RFC6266.match(disposition):
            self.problem(url, referrer, f"download without an RFC 6266 file name: {disposition!r}")
        if "spreadsheetml" in content_type:
            self.check_xlsx(
                url,
                referrer,
                b"".join(response.streaming_content) if response.streaming else response.content,
            )

    def check_xlsx(self, url, referrer, content: bytes, max_rows: int = 200):
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(content), read_only=True)
        english, raw = [], []
        for sheet in workbook.worksheets:
            for i, row in enumerate(sheet.iter_rows(values_only=True)):
                if i >= max_rows:
                    break
                for cell in row:
                    if isinstance(cell, bool):
                        raw.append(str(cell))
                    elif isinstance(cell, str):
                        english += english_words(cell, self.proper_names)
                        raw += raw_values(cell)
        workbook.close()
        if english:
            self.problem(url, referrer, "English in the export: " + ", ".join(sorted(set(english))[:12]))
        if raw:
            self.problem(url, referrer, "raw values in the export: " + ", ".join(sorted(set(raw))[:6]))


@contextmanager
def quick_files(export_rows: int = 30):
    """Files without their slow part, for the crawl: exports cut at ``export_rows`` rows and PDFs not
    laid out (WeasyPrint's ``write_pdf`` returns a stub). The views still run their queries, scope
    checks and templates, and the response its headers; the PDFs themselves have their own tests."""
    from unittest import mock

    from django.test import override_settings

    with (
        override_settings(EXPORT_MAX_ROWS=export_rows),
        mock.patch("weasyprint.HTML.write_pdf", return_value=b"%PDF-1.4\n% crawl stub\n"),
    ):
        yield


def sign_in(client, user) -> None:
    """Sign ``user`` in on a test client, the second factor included (as a verified TOTP device)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def crawl_user(client, user, *, role: str | None = None, proper_names=frozenset(), log=None) -> Crawler:
    """Crawl as ``user`` (or anonymously when ``user`` is None) from the home page and the menu."""
    from zhijiao.core.navigation import menu_entries

    client.raise_request_exception = False  # a 500 is a finding, not the end of the crawl
    if user is None:
        crawler = Crawler(
            client,
            role or "anonymous",
            start=["/accounts/login/", "/verify/", "/verify/qr/"],
            proper_names=proper_names,
            signed_in=False,
        )
    else:
        sign_in(client, user)
        start = ["/"] + [entry["url"] for entry in menu_entries(user)]
        crawler = Crawler(client, role or user.username, start=start, proper_names=proper_names)
    crawler.log = log
    # The crawl reports each 500 with its exception; the request logger's tracebacks are noise here.
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.CRITICAL)
    try:
        crawler.run()
    finally:
        request_logger.setLevel(level)
    return crawler


def main(argv=None) -> int:  # pragma: no cover - a tool for people
    import argparse
    import os
    import sys
    import time

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    parser = argparse.ArgumentParser(description="Crawl the demo as some users.")
    parser.add_argument("--role", action="append", help="a username, or 'anonymous' (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every page with its time")
    args = parser.parse_args(argv)
    User = get_user_model()
    names = frozenset(User.objects.values_list("username", flat=True))
    failed = 0
    files = quick_files()
    files.__enter__()
    for username in args.role or ["anonymous"]:
        started = time.monotonic()
        user = None if username == "anonymous" else User.objects.get(username=username)
        log = (
            (lambda u, s, t: print(f"  {s} {t:5.2f}s {u}", file=sys.stderr, flush=True))
            if args.verbose
            else None
        )
        crawler = crawl_user(Client(), user, role=username, proper_names=names, log=log)
        for problem in crawler.problems:
            print(problem)
        failed += len(crawler.problems)
        print(
            f"== {username}: {len(crawler.visited)} pages, {len(crawler.problems)} problems, "
            f"{time.monotonic() - started:.1f} s",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

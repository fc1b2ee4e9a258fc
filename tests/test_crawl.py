"""Every page works for every role: a crawl of every link, as every demo role and anonymously.

The demo (``core.demo.demo_load`` and every subsystem's loader, at a small scale) is loaded once
for this module inside a transaction that is rolled back at the end. Each role then follows every
link, ``hx-get`` and GET form it is shown, starting from the home page and its menu
(``zhijiao.core.testing_crawl`` says what is followed, how the crawl is bounded and what counts as
a problem). A failure lists role, URL, referring page and the problem, one per line.

A new page needs no new code here: it is crawled as soon as a page links to it.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import import_string

from zhijiao.core.testing_crawl import crawl_user, quick_files

pytestmark = [pytest.mark.crawl, pytest.mark.django_db]

# The demo at a small scale: every kind of record, few of each.
SCHOOLS, ENTERPRISES = 8, 8
LOADER_SIZES = {
    "zhijiao.students.demo.load_demo_students": {"schools": 3, "per_school": 12},
    "zhijiao.internships.demo.load_demo_internships": {"schools": 2, "per_school": 10},
}

# Problems another piece of work owns, allowed here until it lands: (role regex, URL regex,
# problem regex, owner and why). Keep this list short and name the owner.
KNOWN_PROBLEMS: list[tuple[str, str, str, str]] = []


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for the module, rolled back afterwards."""
    from zhijiao.core.demo import demo_extensions, demo_load

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with translation.override("zh-hans"):
                demo_load(schools=SCHOOLS, enterprises=ENTERPRISES, extensions=False)
                for dotted in demo_extensions():
                    import_string(dotted)(actor=None, **LOADER_SIZES.get(dotted, {}))
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _signature(user) -> tuple:
    roles = sorted(
        (ra.role, "region" if ra.region_id else "institution" if ra.institution_id else "enterprise")
        for ra in user.role_assignments.all()
    )
    return (tuple(roles), hasattr(user, "student"))


def demo_users() -> list[str]:
    """One demo account per kind of user (role and kind of node; a student), in the demo's order."""
    from zhijiao.core.demo import DEMO_USERNAMES, EXTRA_DEMO_ACCOUNTS

    names = [*DEMO_USERNAMES, *(u for u, _label in EXTRA_DEMO_ACCOUNTS)]
    users = {
        u.username: u
        for u in get_user_model()
        .objects.filter(username__in=names)
        .prefetch_related("role_assignments")
        .select_related("student")
    }
    chosen, seen = [], set()
    for name in names:
        user = users.get(name)
        if user is None:
            continue
        signature = _signature(user)
        if signature not in seen:
            seen.add(signature)
            chosen.append(name)
    return chosen


# The accounts are known before the demo is loaded (the crawl must not skip a role silently).
ROLES = [
    "anonymous",
    "province_admin",
    "province_staff",
    "auditor",
    "city_jinan",
    "school",
    "college",
    "enterprise",
    "expert",
    "student_demo",
]


def _known(problem) -> str | None:
    for role, url, text, why in KNOWN_PROBLEMS:
        if re.search(role, problem.role) and re.search(url, problem.url) and re.search(text, problem.problem):
            return why
    return None


def test_every_demo_kind_of_user_is_crawled(demo):
    assert set(demo_users()) <= set(ROLES), "a new kind of demo user: add it to ROLES"


@pytest.mark.parametrize("role", ROLES)
def test_crawl(demo, client, role):
    User = get_user_model()
    proper_names = frozenset(User.objects.values_list("username", flat=True))
    user = None if role == "anonymous" else User.objects.get(username=role)
    with quick_files():
        crawler = crawl_user(client, user, role=role, proper_names=proper_names)
    problems = [p for p in crawler.problems if _known(p) is None]
    print(f"{role}: {len(crawler.visited)} pages, {len(crawler.problems) - len(problems)} known problems")
    # A student has a handful of pages of their own (record, credentials, internship, account).
    minimum = 2 if user is None else (10 if user.role_assignments.exists() else 5)
    assert len(crawler.visited) > minimum, (
        f"{role}: the crawl reached almost nothing: {sorted(crawler.visited.items())}"
    )
    assert not problems, f"{len(problems)} problems as {role} ({len(crawler.visited)} pages):\n" + "\n".join(
        str(p) for p in problems
    )

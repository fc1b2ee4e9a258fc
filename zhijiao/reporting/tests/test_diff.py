import pytest
from django.urls import reverse

from zhijiao.core.lifecycle import fire
from zhijiao.reporting.choices import SubmissionStatus as S
from zhijiao.reporting.diff import changes_since_return
from zhijiao.reporting.services import submission_open, submission_save_values, submissions_decide

KEY = "reporting.submission"


def save(world, sub, values):
    return submission_save_values(
        actor=world["school_a"], submission=sub, values=values, revision=sub.revision
    )


@pytest.fixture
def returned(world, period):
    sub = submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    sub = save(
        world, sub, {("teachers_total", ""): "10", ("teachers_fulltime", "male"): "4", ("mode", ""): "day"}
    )
    sub = fire(KEY, sub, "submit", actor=world["school_a"])
    assert changes_since_return(sub) is None
    done, errors = submissions_decide(
        actor=world["jinan"], submissions=[sub], decision="return", reason="请核对"
    )
    assert done == 1, errors
    sub.refresh_from_db()
    assert sub.status == S.RETURNED
    return sub


def test_diff_since_return(world, returned, login, client):
    assert changes_since_return(returned) == []
    sub = save(
        world,
        returned,
        {
            ("teachers_total", ""): "12",
            ("teachers_fulltime", "male"): "4",
            ("mode", ""): "part",
            ("budget", ""): "3",
        },
    )
    sub = fire(KEY, sub, "submit", actor=world["school_a"])
    got = [(c["element"].code, c["cell"], c["before"], c["after"]) for c in changes_since_return(sub)]
    assert got == [
        ("teachers_total", "", "10", "12"),
        ("budget", "", "", "3"),
        ("mode", "", "全日制", "非全日制"),  # choices by name
    ]
    login(world["jinan"])
    page = client.get(reverse("reporting:submission_form", args=[sub.pk])).content.decode()
    assert "Changed since it was returned" in page and "<del>10</del>" in page and "<ins>12</ins>" in page

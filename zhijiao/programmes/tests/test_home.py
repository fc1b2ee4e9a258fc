"""The home page shows each side of 项目库 what waits for it, counted in its own scope."""

import pytest

from zhijiao.core.home import home_panels
from zhijiao.programmes import services

from .test_views import _submitted

pytestmark = pytest.mark.django_db


def _figures(user, title):
    _, panels = home_panels(user)
    panel = next((p for p in panels if str(p.title) == title), None)
    return None if panel is None else {str(f.label): f.value for f in panel.figures}


def test_each_side_sees_what_waits_for_it(world, call, expert_user):
    a = _submitted(world, call, "school_a", world.school_a, "一")
    services.application_create(
        actor=world["school_b"], call=call, institution=world.school_b, title="草稿", field="46"
    )
    assert _figures(world["school_b"], "Programmes") == {
        "Calls open for applications": 1,
        "Application drafts": 1,
    }
    # school A's application is submitted, not a draft; B's draft is not A's
    assert _figures(world["school_a"], "Programmes")["Application drafts"] == 0
    # the city sees the submitted application; another city sees nothing to recommend
    assert _figures(world["jinan"], "Programmes")["Applications to recommend"] == 1
    assert _figures(world["qingdao"], "Programmes")["Applications to recommend"] == 0
    services.city_recommend(actor=world["jinan"], call=call, ranking=[a])
    assert _figures(world["province_admin"], "Programmes")["Applications to screen"] == 1
    assert _figures(world["jinan"], "Programmes")["Applications to recommend"] == 0


def test_an_expert_sees_the_reviews_assigned_to_them(world, call, expert_user):
    a = _submitted(world, call, "school_a", world.school_a, "一")
    services.city_recommend(actor=world["jinan"], call=call, ranking=[a])
    services.screen(actor=world["province_admin"], application=a, passed=True)
    users = [expert_user("e1"), expert_user("e2"), expert_user("e3")]
    for i, user in enumerate(users[:2]):
        services.expert_create(
            actor=world["province_admin"],
            name=f"专家{i}",
            title="professor",
            employer_name="x",
            city=world.qingdao,
            specialties=["46"],
            user=user,
        )
    services.reviewers_assign(actor=world["province_admin"], call=call)
    assert _figures(users[0], "Expert review") == {"Reviews to score": 1, "Scores submitted": 0}
    # an expert with no assignment sees zero, and no school-side panel
    assert _figures(users[2], "Expert review") == {"Reviews to score": 0, "Scores submitted": 0}
    assert _figures(users[2], "Programmes") is None

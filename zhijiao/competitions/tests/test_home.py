"""The home page shows each side of 技能大赛 what waits for it, counted in its own scope."""

import pytest

from zhijiao.competitions import services
from zhijiao.competitions.models import Event
from zhijiao.core.home import home_panels

pytestmark = pytest.mark.django_db


def _figures(user, title="Competitions"):
    _, panels = home_panels(user)
    panel = next((p for p in panels if str(p.title) == title), None)
    return None if panel is None else {str(f.label): f.value for f in panel.figures}


def test_each_side_sees_what_waits_for_it(world, event, contest, entered):
    assert _figures(world["province_admin"]) == {
        "Events open for entries": 0,
        "Entries being judged": 2,
        "Events with results to publish": 0,
    }
    # the waiting entry stays at 济南 (the deadline for sending has not passed, the event is judged)
    assert _figures(world["jinan"]) == {"Entries waiting to be sent": 0}
    assert _figures(world["school_a"]) == {
        "Entries in competitions under way": 2,
        "Prizes won (published results)": 0,
    }
    assert _figures(world["school_b"])["Entries in competitions under way"] == 1
    judge = entered["judge"]
    assert _figures(judge, "Competition judging") == {"Entries to score": 2}
    services.score_submit(actor=judge, entry=entered["a"], items={"op": "60", "theory": "20"})
    assert _figures(judge, "Competition judging") == {"Entries to score": 1}
    assert _figures(world["expert"], "Competition judging") is None  # judges nothing
    assert _figures(world["expert"]) is None


def test_a_city_sees_the_entries_it_has_to_send(world, event, contest):
    from zhijiao.students.tests.factories import registered

    services.entry_create(
        actor=world["school_a"], contest=contest, institution=world.school_a,
        students=[registered(world, "a", name="甲同学")],
    )  # fmt: skip
    assert _figures(world["jinan"]) == {"Entries waiting to be sent": 1}
    assert _figures(world["qingdao"]) == {"Entries waiting to be sent": 0}
    assert _figures(world["province_admin"])["Events open for entries"] == 1
    Event.objects.filter(pk=event.pk).update(stage="approved")
    assert _figures(world["province_admin"])["Events with results to publish"] == 1

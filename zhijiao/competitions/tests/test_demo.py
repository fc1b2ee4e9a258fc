import datetime

import pytest

from zhijiao.competitions import services
from zhijiao.competitions.choices import EntryStatus, EventStage
from zhijiao.competitions.demo import DEMO_EVENT, DEMO_OPEN_EVENT, load_demo_competitions
from zhijiao.competitions.models import AwardCertificate, Entry, Event, JudgeAssignment, Score
from zhijiao.programmes.demo import load_demo_programmes
from zhijiao.students.tests.factories import registered

pytestmark = pytest.mark.django_db


def test_the_demo_event_is_judged_and_published(world):
    for i in range(3):
        registered(world, "a", name=f"甲{i}")
        registered(world, "b", name=f"乙{i}")
    load_demo_programmes()
    event = load_demo_competitions()
    assert event.code == DEMO_EVENT and event.is_demo and "示例" in event.name
    event.refresh_from_db()
    assert event.stage == EventStage.PUBLISHED
    assert event.entry_deadline == datetime.date(2021, 4, 16) and event.starts_on.year == 2021
    kinds = set(event.contests.values_list("kind", flat=True))
    assert kinds == {"student_skills", "teaching", "head_teacher"}
    assert all("示例" in name for name in event.contests.values_list("name", flat=True))
    sent = Entry.objects.filter(contest__event=event, status=EntryStatus.SENT)
    assert sent.exists() and not sent.filter(rank__isnull=True).exists()
    judges = JudgeAssignment.objects.filter(contest__event=event)
    assert judges.filter(user__username="expert").exists()
    assert Score.objects.filter(entry__in=sent).count() == sum(
        Entry.objects.filter(contest=j.contest, status=EntryStatus.SENT).count() for j in judges
    )
    assert (
        AwardCertificate.objects.filter(entry__contest__event=event).count() == sent.exclude(award="").count()
    )
    # the second event stays open for the province to edit and the schools to enter
    open_event = Event.objects.get(code=DEMO_OPEN_EVENT)
    assert open_event.stage == EventStage.OPEN and open_event.is_demo and "示例" in open_event.name
    assert open_event.entry_deadline > datetime.date.today()
    # named and dated by the year it is held, not the 2021 of the first event
    assert open_event.year == open_event.starts_on.year and open_event.name.startswith(f"{open_event.year}年")
    waiting = Entry.objects.filter(contest__event=open_event, status=EntryStatus.SUBMITTED)
    assert waiting.exists() and all("示例" in c.name for c in open_event.contests.all())
    services.event_update(
        actor=world["province_admin"], event=open_event, name=open_event.name + "（改）",
        year=2021, organiser=open_event.organiser, starts_on=open_event.starts_on,
        ends_on=open_event.ends_on, entry_deadline=open_event.entry_deadline,
        city_deadline=open_event.city_deadline, ratios=(15, 25, 30), avoid_same_city=True,
    )  # fmt: skip
    before = Entry.objects.count()
    assert load_demo_competitions() is None  # once
    assert Entry.objects.count() == before

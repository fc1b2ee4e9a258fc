import datetime

import pytest

from zhijiao.competitions.choices import EntryStatus, EventStage
from zhijiao.competitions.demo import DEMO_EVENT, load_demo_competitions
from zhijiao.competitions.models import AwardCertificate, Entry, JudgeAssignment, Score
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
    before = Entry.objects.count()
    assert load_demo_competitions() is None  # once
    assert Entry.objects.count() == before

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhijiao.competitions import services
from zhijiao.competitions.choices import Award, EntryStatus, EventStage
from zhijiao.competitions.models import AwardCertificate, Entry, JudgeAssignment, Score
from zhijiao.core.services import OutOfScope
from zhijiao.majors.models import InstitutionMajor
from zhijiao.majors.testing import catalogue_major
from zhijiao.students.choices import EnrolmentStatus
from zhijiao.students.tests.factories import add_student, registered

pytestmark = pytest.mark.django_db


def _enter(world, contest, *students, who="school_a"):
    school = world.school_a if who == "school_a" else world.school_b
    return services.entry_create(actor=world[who], contest=contest, institution=school, students=students)


def test_school_enters_registered_students_of_the_contest_major_class(world, contest):
    student = registered(world, "a", name="甲一")
    entry = _enter(world, contest, student)
    assert entry.status == EntryStatus.SUBMITTED and entry.number.endswith("-001")
    assert [m.name for m in entry.members.all()] == ["甲一"]

    # wrong student: another school's, not registered, another 专业类, entered twice
    other_school = registered(world, "b", name="乙一")
    pending = add_student(world, "a", name="甲待注册")
    with pytest.raises(ValidationError) as exc:
        _enter(world, contest, other_school)
    assert "乙一 is not a registered student of this school." in exc.value.messages
    with pytest.raises(ValidationError) as exc:
        _enter(world, contest, pending)
    assert "甲待注册 is not a registered student" in exc.value.messages[0]
    mechanic = catalogue_major("660301", "机电技术应用")
    offering = InstitutionMajor.objects.create(institution=world.school_a, major=mechanic, start_year=2020)
    wrong_major = registered(world, "a", name="甲机电")
    wrong_major.enrolments.update(offering=offering)
    with pytest.raises(ValidationError) as exc:
        _enter(world, contest, wrong_major)
    assert "does not study a major of" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        _enter(world, contest, student)
    assert "Already entered in this contest: 甲一." in exc.value.messages
    assert Entry.objects.count() == 1


def test_school_quota_scope_member_count_and_deadline(world, contest, teaching, monkeypatch):
    a = [registered(world, "a", name=f"甲{i}") for i in range(3)]
    _enter(world, contest, a[0])
    _enter(world, contest, a[1])
    with pytest.raises(ValidationError) as exc:
        _enter(world, contest, a[2])
    assert "may enter 2 entries in this contest; 2 are entered" in exc.value.messages[0]
    with pytest.raises(OutOfScope):
        services.entry_create(
            actor=world["school_b"], contest=contest, institution=world.school_a, students=[a[2]]
        )
    with pytest.raises(ValidationError) as exc:
        services.entry_create(
            actor=world["school_a"], contest=teaching, institution=world.school_a, teachers=["王老师"]
        )
    assert "has 2 members; 1 were given" in exc.value.messages[0]
    services.entry_create(
        actor=world["school_a"], contest=teaching, institution=world.school_a, teachers=["王老师", "李老师"]
    )
    late = timezone.localdate() + datetime.timedelta(days=4)
    monkeypatch.setattr(services, "today", lambda: late)
    with pytest.raises(ValidationError) as exc:
        services.entry_create(
            actor=world["school_b"],
            contest=teaching,
            institution=world.school_b,
            teachers=["赵老师", "钱老师"],
        )
    assert "Entries closed on" in exc.value.messages[0]
    assert Entry.objects.count() == 3


def test_city_sends_within_quota_and_before_its_deadline(world, contest, monkeypatch):
    contest.quota_per_school = 3
    contest.save()
    entries = [_enter(world, contest, registered(world, "a", name=f"甲{i}")) for i in range(3)]
    b = _enter(world, contest, registered(world, "b", name="乙"), who="school_b")
    with pytest.raises(OutOfScope):
        services.city_send(actor=world["qingdao"], contest=contest, entries=entries[:1])
    with pytest.raises(ValidationError) as exc:
        services.city_send(actor=world["jinan"], contest=contest, entries=entries)
    assert "may send 2 entries to this contest; 0 are sent already" in exc.value.messages[0]
    assert not Entry.objects.filter(status=EntryStatus.SENT).exists()
    assert services.city_send(actor=world["jinan"], contest=contest, entries=entries[:2]) == 2
    with pytest.raises(ValidationError):
        services.city_return(actor=world["jinan"], entry=entries[2], reason="  ")
    services.city_return(actor=world["jinan"], entry=entries[2], reason="材料不全")
    with pytest.raises(ValidationError) as exc:
        services.city_send(actor=world["jinan"], contest=contest, entries=[entries[2]])
    assert "Only submitted entries are sent." in exc.value.messages
    late = timezone.localdate() + datetime.timedelta(days=7)
    monkeypatch.setattr(services, "today", lambda: late)
    with pytest.raises(ValidationError) as exc:
        services.city_send(actor=world["qingdao"], contest=contest, entries=[b])
    assert "The cities' deadline" in exc.value.messages[0]


def _sent(world, contest, n_a=2, n_b=2):
    entries = [_enter(world, contest, registered(world, "a", name=f"甲{i}")) for i in range(n_a)]
    services.city_send(actor=world["jinan"], contest=contest, entries=entries)
    if n_b:
        more = [
            _enter(world, contest, registered(world, "b", name=f"乙{i}"), who="school_b") for i in range(n_b)
        ]
        services.city_send(actor=world["qingdao"], contest=contest, entries=more)
        entries += more
    return entries


def test_judges_avoid_conflicts_and_share_the_load(world, event, contest, teaching, make_expert):
    today = timezone.localdate()
    _sent(world, contest)
    services.entry_create(
        actor=world["school_a"], contest=teaching, institution=world.school_a, teachers=["王老师", "李老师"]
    )
    services.city_send(actor=world["jinan"], contest=teaching, entries=list(teaching.entries.all()))
    make_expert("在职", employer=world.school_a)
    make_expert(
        "新近离职",
        former=[(world.school_b, today - datetime.timedelta(days=900), today - datetime.timedelta(days=400))],
    )
    make_expert(
        "早年离职",
        former=[(world.school_a, datetime.date(2010, 1, 1), today - datetime.timedelta(days=4 * 366))],
    )
    for i in range(3):
        make_expert(f"自由{i}")
    with pytest.raises(OutOfScope):
        services.judges_assign(actor=world["jinan"], event=event)
    report = services.judges_assign(actor=world["province_admin"], event=event)
    assert report["judges"] == 4 and report["method"] == "solver"
    assert report["max_load"] == report["min_load"] == 1  # six experts, four places: one each
    on_contest = set(JudgeAssignment.objects.filter(contest=contest).values_list("expert__name", flat=True))
    on_teaching = set(JudgeAssignment.objects.filter(contest=teaching).values_list("expert__name", flat=True))
    # 在职 works at school A (both contests); 新近离职 left school B 400 days ago (the skills
    # contest only); 早年离职 left school A more than three years ago (no conflict).
    free = {"早年离职", "自由0", "自由1", "自由2"}
    assert len(on_contest) == 2 and on_contest <= free
    assert len(on_teaching) == 2 and on_teaching <= free | {"新近离职"}
    assert not on_contest & on_teaching
    event.refresh_from_db()
    assert event.stage == EventStage.JUDGING
    # entries are closed now
    with pytest.raises(ValidationError):
        _enter(world, contest, registered(world, "a", name="迟到"))


def test_not_enough_judges_without_conflict(world, event, contest, make_expert):
    _sent(world, contest, n_b=0)
    make_expert("唯一", employer=None)
    make_expert("在职", employer=world.school_a)
    with pytest.raises(ValidationError) as exc:
        services.judges_assign(actor=world["province_admin"], event=event)
    assert "Not enough experts without a conflict for: 计算机网络应用" in exc.value.messages[0]
    assert not JudgeAssignment.objects.exists()


def _judged(world, event, contest, make_expert, n_a=2, n_b=2):
    entries = _sent(world, contest, n_a, n_b)
    judges = [make_expert(f"评委{i}") for i in range(2)]
    services.judges_assign(actor=world["province_admin"], event=event)
    return entries, [j.user for j in judges]


def test_scores_are_checked_against_the_rubric_and_the_judge(world, event, contest, make_expert):
    entries, judges = _judged(world, event, contest, make_expert)
    entry = entries[0]
    for bad, code in (
        (("71", "10"), "op"),
        (("-1", "10"), "op"),
        (("abc", "10"), "op"),
        (("60", "1.25"), "theory"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.score_submit(actor=judges[0], entry=entry, items={"op": bad[0], "theory": bad[1]})
        assert code in exc.value.message_dict
    with pytest.raises(OutOfScope):
        services.score_submit(actor=world["province_admin"], entry=entry, items={"op": "60", "theory": "20"})
    score = services.score_submit(actor=judges[0], entry=entry, items={"op": "60.5", "theory": "20"})
    assert score.total == Decimal("80.5") and score.items == {"1": "60.5", "2": "20"}
    score = services.score_submit(actor=judges[0], entry=entry, items={"op": "61", "theory": "20"})
    assert Score.objects.get().total == Decimal("81")
    # a conflict found after the assignment: the judge withdraws from that school's entries
    expert = JudgeAssignment.objects.get(user=judges[1]).expert
    today = timezone.localdate()
    expert.former_employers.create(
        institution=world.school_a,
        start=today - datetime.timedelta(days=700),
        end=today - datetime.timedelta(days=30),
    )
    with pytest.raises(ValidationError) as exc:
        services.score_submit(actor=judges[1], entry=entry, items={"op": "60", "theory": "20"})
    assert "The judge withdraws from this entry (回避)" in exc.value.messages[0]
    assert Score.objects.count() == 1


def test_ranking_breaks_ties_by_the_first_item_then_time_and_prizes_by_ratio(
    world, event, contest, make_expert
):
    entries, judges = _judged(world, event, contest, make_expert)
    a, b, c, d = entries
    marks = {a: ("60", "20"), b: ("50", "30"), c: ("50", "30"), d: ("40", "20")}
    for entry, (op, theory) in marks.items():
        for judge in judges:
            services.score_submit(actor=judge, entry=entry, items={"op": op, "theory": theory})
    # a and b/c total 80: a wins on the first item; b and c equal but for the time used
    services.entry_time_record(actor=world["province_admin"], entry=c, seconds=1500)
    services.entry_time_record(actor=world["province_admin"], entry=b, seconds=1800)
    ranked = services.ranking(contest)
    assert [(e.pk, r) for e, r, _m in ranked] == [(a.pk, 1), (c.pk, 2), (b.pk, 3), (d.pk, 4)]
    services.entry_time_record(actor=world["province_admin"], entry=b, seconds=1500)
    ranked = services.ranking(contest)
    assert [r for _e, r, _m in ranked] == [1, 2, 2, 4]
    with pytest.raises(ValidationError):
        services.results_publish(actor=world["province_admin"], event=event)
    assert services.results_approve(actor=world["province_admin"], event=event) == 4
    awards = dict(Entry.objects.values_list("pk", "award"))
    # 4 entries at 10/20/30 %: ranks ≤ 0 first (none), ≤ 1 second, ≤ 2 third — b and c share rank 2
    assert awards == {a.pk: Award.SECOND, b.pk: Award.THIRD, c.pk: Award.THIRD, d.pk: ""}
    assert services.results_publish(actor=world["province_admin"], event=event) == 3
    assert AwardCertificate.objects.count() == 3
    cert = AwardCertificate.objects.get(entry=a)
    assert len(cert.verify_code) == 16 and cert.holders == "甲0"


def test_results_wait_for_every_score(world, event, contest, make_expert):
    entries, judges = _judged(world, event, contest, make_expert, n_b=0)
    services.score_submit(actor=judges[0], entry=entries[0], items={"op": "60", "theory": "20"})
    with pytest.raises(ValidationError) as exc:
        services.results_approve(actor=world["province_admin"], event=event)
    assert "Scores are missing for" in exc.value.messages[0]


def test_award_cuts():
    assert services.award_cuts(25, (10, 20, 30)) == [(Award.FIRST, 3), (Award.SECOND, 8), (Award.THIRD, 15)]
    assert services.award_cuts(10, (10, 20, 30)) == [(Award.FIRST, 1), (Award.SECOND, 3), (Award.THIRD, 6)]
    cuts = services.award_cuts(10, (10, 20, 30))
    assert [services.award_for(r, cuts) for r in (1, 2, 3, 4, 6, 7)] == [
        Award.FIRST, Award.SECOND, Award.SECOND, Award.THIRD, Award.THIRD, "",
    ]  # fmt: skip


def test_bad_event_and_contest_input(world, event):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.event_create(
            actor=world["province_admin"], code="x", name="x", year=2021, organiser="x",
            entry_deadline=today, city_deadline=today - datetime.timedelta(days=1), starts_on=today, ends_on=today,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.event_create(
            actor=world["province_admin"], code="y", name="y", year=2021, organiser="y", ratios=(50, 40, 30),
            entry_deadline=today, city_deadline=today, starts_on=today, ends_on=today,
        )  # fmt: skip
    with pytest.raises(OutOfScope):
        services.event_create(
            actor=world["jinan"], code="z", name="z", year=2021, organiser="z",
            entry_deadline=today, city_deadline=today, starts_on=today, ends_on=today,
        )  # fmt: skip
    for rubric in ([], [{"code": "a", "name": "甲", "max": 0}], [{"code": "a", "name": "甲", "max": 5}] * 2):
        with pytest.raises(ValidationError):
            services.contest_create(
                actor=world["province_admin"], event=event, name="c", kind="teaching", rubric=rubric,
                quota_per_school=1, quota_per_city=1,
            )  # fmt: skip
    with pytest.raises(ValidationError):
        services.contest_create(
            actor=world["province_admin"], event=event, name="c", kind="student_skills",
            rubric=[{"code": "a", "name": "甲", "max": 5}], quota_per_school=1, quota_per_city=1,
        )  # fmt: skip
    assert EnrolmentStatus.REGISTERED in services.STUDYING


def _fake_contest(pk, n):
    return SimpleNamespace(pk=pk, judges_needed=n, major_class_id=None, major_class=None)


def _fake_expert(pk):
    return SimpleNamespace(pk=pk, specialties=["51"])


def test_the_solver_balances_where_the_greedy_choice_does_not():
    """Contest 1 may take expert 1 or 2, contest 2 only expert 1 (回避): the greedy baseline gives
    both to expert 1, the programmes' solver gives each contest its own expert."""
    e1, e2 = _fake_expert(1), _fake_expert(2)
    contests = [_fake_contest(1, 1), _fake_contest(2, 1)]
    chosen = services._judges_choose(contests, {1: [e1, e2], 2: [e1]})
    assert chosen["method"] == "solver"
    assert chosen["pairs"] == {1: [2], 2: [1]}
    assert (chosen["max_load"], chosen["min_load"]) == (1, 1)
    assert (chosen["greedy_max_load"], chosen["greedy_min_load"]) == (2, 2)


def test_contests_needing_different_numbers_of_judges_fall_back_to_the_greedy_choice():
    experts = [_fake_expert(i) for i in range(1, 5)]
    chosen = services._judges_choose([_fake_contest(1, 2), _fake_contest(2, 1)], {1: experts, 2: experts[:2]})
    assert chosen["method"] == "greedy"
    assert len(chosen["pairs"][1]) == 2 and len(chosen["pairs"][2]) == 1
    assert set(chosen["pairs"][1]).isdisjoint(chosen["pairs"][2])

"""The 2021 plan file against the seed, and the loader / copier."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings

from zhijiao.core.models import AuditEntry
from zhijiao.workplan.choices import TaskKind
from zhijiao.workplan.loader import PLAN_2021, plan_copy, plan_load, read_plan_file
from zhijiao.workplan.models import Milestone, Plan, Target, Task

SEED = Path(settings.BASE_DIR).parent / "shared" / "seed" / "2021-shandong-vocational-education-work-plan.txt"


def _seed_text() -> str:
    # The seed marks emphasis with ** and breaks some paragraphs across pages: compare without both.
    return SEED.read_text(encoding="utf-8").replace("**", "").replace("\n", "")


@pytest.fixture(scope="module")
def data():
    return read_plan_file(PLAN_2021)


def test_counts_and_numbering(data):
    assert [i["number"] for i in data["key_points"]] == list(range(1, 21))
    assert [i["number"] for i in data["routine_tasks"]] == list(range(1, 41))


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed is not beside the project")
def test_every_text_is_verbatim_from_the_seed(data):
    seed = _seed_text()
    for key in ("key_points", "routine_tasks"):
        for item in data[key]:
            assert item["text"] in seed, (key, item["number"])
            assert f"{item['number']}.{item['text']}" in seed, (key, item["number"])
            for phrase in item.get("emphasis", []):
                assert phrase in item["text"]
            for target in item.get("targets", []):
                assert target["phrase"] in item["text"]
    assert data["preamble"] in seed
    assert len(data["shifts"]) == 7
    for shift in data["shifts"]:
        assert "——" + shift in seed


def test_document_metadata(data):
    assert data["document"]["number"] == "鲁教职处函〔2021〕6号"
    assert data["document"]["issued_on"] == datetime.date(2021, 2, 26)
    assert data["document"]["issuer"] == "山东省教育厅职业教育处"
    assert len(data["forum_themes"]) == 12


def test_titles_are_the_emphasised_theme(data):
    kp = {i["number"]: i for i in data["key_points"]}
    assert kp[1]["title"] == "党史学习"
    assert kp[7]["title"] == "优化高职院校办学质量考核方案"  # the seed's bold marker splits 优|化
    assert kp[20]["title"] == "处室文化建设"
    rt = {i["number"]: i for i in data["routine_tasks"]}
    assert rt[16]["title"] == "职教集团"


def test_targets(data):
    targets = {
        (key, item["number"], t["label"]): (t["quantity"], t["unit"])
        for key in ("key_points", "routine_tasks")
        for item in data[key]
        for t in item.get("targets", [])
    }
    assert targets[("key_points", 4, "教学创新团队")] == (100, "个")
    assert targets[("key_points", 4, "专业教学标准（修订）")] == (100, "个")
    assert targets[("key_points", 6, "高水平中职学校（首批立项）")] == (50, "所")
    assert targets[("key_points", 6, "高水平中职专业（首批立项）")] == (100, "个")
    assert targets[("key_points", 6, "高水平高职专业群（首批立项）")] == (50, "个")
    assert targets[("key_points", 6, "“双高”计划高职院校建设")] == (15, "所")
    assert targets[("routine_tasks", 9, "第三批省精品资源共享课程")] == (600, "门")
    assert targets[("routine_tasks", 14, "校企一体化合作办学示范项目")] == (40, "个")
    assert targets[("routine_tasks", 16, "省级骨干职教集团")] == (15, "个")
    assert targets[("routine_tasks", 17, "第三届青年技能名师")] == (100, "名")
    assert targets[("routine_tasks", 17, "教学创新团队")] == (100, "个")


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed is not beside the project")
def test_every_number_with_a_unit_in_the_items_is_a_target_or_not_a_quantity(data):
    """Every "<number> 个/所/门/名" in an item is either a target's phrase or a known non-target."""
    not_targets = {"8部门"}  # "山东省教育厅等8部门" names the issuers, not a goal
    for key in ("key_points", "routine_tasks"):
        for item in data[key]:
            phrases = " ".join(t["phrase"] for t in item.get("targets", []))
            for m in re.finditer(r"(\d+)\s*(?:个|所|门|名|部门)", item["text"]):
                if m.group(0).replace(" ", "") in not_targets:
                    continue
                assert m.group(0) in phrases, (key, item["number"], m.group(0))


def test_load_is_idempotent_and_audited(world):
    plan, counts = plan_load()
    assert counts == {"themes": 13, "tasks": 60, "targets": 14}
    assert plan.tasks.filter(kind=TaskKind.KEY_POINT).count() == 20
    assert plan.tasks.filter(kind=TaskKind.ROUTINE).count() == 40
    assert plan.document_number == "鲁教职处函〔2021〕6号"
    audits = AuditEntry.objects.count()
    assert AuditEntry.objects.filter(object_type="workplan.task").count() == 60
    plan2, counts2 = plan_load()
    assert plan2.pk == plan.pk
    assert counts2 == {"themes": 0, "tasks": 0, "targets": 0}
    assert AuditEntry.objects.count() == audits  # nothing changed, nothing recorded
    assert Task.objects.count() == 60 and Target.objects.count() == 14


def test_load_keeps_owner_and_due_changed_in_the_application(world):
    plan, _ = plan_load()
    task = plan.tasks.get(kind="key_point", number=1)
    Task.objects.filter(pk=task.pk).update(owner=world["province_staff"], due_date=datetime.date(2021, 9, 1))
    plan_load()
    task.refresh_from_db()
    assert task.owner == world["province_staff"] and task.due_date == datetime.date(2021, 9, 1)


def test_load_without_region_is_a_clear_error(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="reference data"):
        plan_load()


def test_management_command(world, capsys):
    from django.core.management import call_command

    call_command("load_workplan", str(PLAN_2021))
    assert "60 tasks" in capsys.readouterr().out
    assert Plan.objects.get(year=2021).tasks.count() == 60


def test_copy_to_next_year(world, plan):
    from zhijiao.workplan import services

    task = plan.tasks.get(kind="key_point", number=4)
    services.milestone_create(
        actor=world["province_staff"], task=task, title="遴选", due_date=datetime.date(2021, 4, 15)
    )
    new = plan_copy(actor=world["province_admin"], plan=plan, year=2022)
    assert new.tasks.count() == 60
    copied = new.tasks.get(kind="key_point", number=4)
    assert copied.progress == 0 and copied.due_date.year == 2022
    assert copied.targets.count() == 2 and all(t.actual == 0 for t in copied.targets.all())
    assert Milestone.objects.get(task=copied).due_date == datetime.date(2022, 4, 15)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        plan_copy(actor=world["province_admin"], plan=plan, year=2022)


def test_city_cannot_copy(world, plan):
    from zhijiao.core.services import OutOfScope

    with pytest.raises(OutOfScope):
        plan_copy(actor=world["jinan"], plan=plan, year=2023)

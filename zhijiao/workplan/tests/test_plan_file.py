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
def test_the_wording_is_read_from_the_issued_document(data):
    """Item text, bold phrases, preamble and shifts come from the document, joined across page breaks."""
    seed = _seed_text()
    for key in ("key_points", "routine_tasks"):
        for item in data[key]:
            assert f"{item['number']}.{item['text']}" in seed, (key, item["number"])
            for phrase in item.get("emphasis", []):
                assert phrase in item["text"]
            for target in item.get("targets", []):
                assert target["phrase"] in item["text"]
    kp = {i["number"]: i for i in data["key_points"]}
    assert kp[1]["text"].startswith("深入学习贯彻党史学习教育动员大会精神。")
    # key point 14 continues on the next page: the two halves are one item
    assert "主赛场承办工作" in kp[14]["text"] and "办出影响力" in kp[14]["text"]
    assert kp[20]["text"].startswith("加强处室文化建设。（1）") and "倒计时牌" in kp[20]["text"]
    rt = {i["number"]: i for i in data["routine_tasks"]}
    assert rt[1]["text"] == "召开 2021 年度职业教育工作会议。"
    assert rt[40]["text"] == "做好职业教育宣传及政务信息工作。"
    assert data["preamble"].startswith("2021年，全省职业教育工作的总体思路是") and data["preamble"] in seed
    assert len(data["shifts"]) == 7
    for shift in data["shifts"]:
        assert "——" + shift in seed
    assert "打造校企命运共同体推动职业教育" in data["shifts"][4]  # split by a page break in the document


def test_the_plan_file_holds_no_wording_and_no_people():
    """One source for the text: the structured file carries no item text, titles, owners or dates."""
    import yaml

    raw = yaml.safe_load(PLAN_2021.read_text(encoding="utf-8"))
    assert "people" not in raw and "preamble" not in raw and "shifts" not in raw
    for key in ("key_points", "routine_tasks"):
        for item in raw[key]:
            assert not {"text", "title", "owner", "due_date", "start_date"} & set(item), (key, item["number"])


def test_a_missing_document_is_a_clear_error(settings, tmp_path):
    from django.core.exceptions import ValidationError

    settings.SHARED_SEED_DIR = tmp_path
    with pytest.raises(ValidationError, match="ZHIJIAO_SHARED_SEED_DIR"):
        read_plan_file(PLAN_2021)


def test_a_plan_file_that_does_not_match_the_document_is_refused(tmp_path):
    import yaml
    from django.core.exceptions import ValidationError

    raw = yaml.safe_load(PLAN_2021.read_text(encoding="utf-8"))
    raw["routine_tasks"] = raw["routine_tasks"][:-1]  # item 40 left out
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match="1–39"):
        read_plan_file(path)


def test_document_metadata(data):
    assert data["document"]["number"] == "鲁教职处函〔2021〕6号"
    assert data["document"]["issued_on"] == datetime.date(2021, 2, 26)
    assert data["document"]["issuer"] == "山东省教育厅职业教育处"
    assert len(data["forum_themes"]) == 12


def test_titles_are_the_documents_heading_sentences(data):
    """The heading is the item's first sentence as issued, not a phrase picked out of it."""
    kp = {i["number"]: i for i in data["key_points"]}
    assert kp[1]["title"] == "深入学习贯彻党史学习教育动员大会精神"
    assert kp[7]["title"] == "持续优化提升职业教育考核评价方案"  # not only 高职 考核
    assert kp[16]["title"] == "建设“职教高考”题库"
    assert kp[20]["title"] == "加强处室文化建设"
    rt = {i["number"]: i for i in data["routine_tasks"]}
    assert rt[30]["title"] == (
        "完善职业院校学生实习管理平台，建立“直报”制度，落实跟岗、顶岗实习备案制度，开展实习管理专项检查"
    )
    assert rt[34]["title"] == "办好全省职业院校技能大赛、教学能力大赛和中职班主任能力比赛"
    # the document's bold marker splits 优|化 and 教|学: the file corrects those two
    assert kp[7]["emphasis"] == ["优化高职院校办学质量考核方案"]
    assert rt[34]["emphasis"] == ["技能大赛", "教学能力大赛"]


def test_lead_and_co_operating_units(data):
    assert data["lead_unit"] == "山东省教育厅职业教育处"
    kp = {i["number"]: i for i in data["key_points"]}
    rt = {i["number"]: i for i in data["routine_tasks"]}
    assert "山东省教育招生考试院" in kp[16]["co_units"]
    assert rt[36]["co_units"] == ["山东省教育招生考试院"]


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
    items = {(key, i["number"]): i for key in ("key_points", "routine_tasks") for i in data[key]}
    # "百万工匠" names the programme; it is not a quantity to reach
    assert "targets" not in items[("key_points", 11)]
    # "辐射带动2-3所" is a range
    (spread,) = [t for t in items[("key_points", 6)]["targets"] if t.get("quantity_max")]
    assert (spread["quantity"], spread["quantity_max"], spread["unit"]) == (2, 3, "所")
    # the 100 教学创新团队 of KP4 and R17 are one quantity
    (teams,) = [t for t in items[("routine_tasks", 17)]["targets"] if t["label"] == "教学创新团队"]
    assert teams["same_as"] == {"kind": "key_points", "number": 4, "label": "教学创新团队"}


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
    assert counts == {"themes": 13, "tasks": 60, "targets": 13}
    assert plan.tasks.filter(kind=TaskKind.KEY_POINT).count() == 20
    assert plan.tasks.filter(kind=TaskKind.ROUTINE).count() == 40
    assert plan.document_number == "鲁教职处函〔2021〕6号"
    audits = AuditEntry.objects.count()
    assert AuditEntry.objects.filter(object_type="workplan.task").count() == 60
    plan2, counts2 = plan_load()
    assert plan2.pk == plan.pk
    assert counts2 == {"themes": 0, "tasks": 0, "targets": 0}
    assert AuditEntry.objects.count() == audits  # nothing changed, nothing recorded
    assert Task.objects.count() == 60 and Target.objects.count() == 13
    repeat = Target.objects.get(task__kind="routine", task__number=17, label="教学创新团队")
    assert repeat.same_as == Target.objects.get(task__kind="key_point", task__number=4, label="教学创新团队")
    assert Target.objects.get(task__number=6, task__kind="key_point", quantity_max=3).quantity_text == "2–3"
    assert set(plan.tasks.values_list("lead_unit", flat=True)) == {"山东省教育厅职业教育处"}
    assert not plan.tasks.exclude(example_fields=[]).exists()  # no example file: nothing invented
    assert not plan.tasks.filter(owner__isnull=False).exists()


def test_load_keeps_owner_and_due_changed_in_the_application(world):
    plan, _ = plan_load()
    task = plan.tasks.get(kind="key_point", number=1)
    Task.objects.filter(pk=task.pk).update(owner=world["province_staff"], due_date=datetime.date(2021, 9, 1))
    plan_load()
    task.refresh_from_db()
    assert task.owner == world["province_staff"] and task.due_date == datetime.date(2021, 9, 1)


def test_example_owners_and_dates_are_marked_until_someone_sets_them(world):
    from zhijiao.accounts.choices import Role
    from zhijiao.accounts.models import RoleAssignment, User
    from zhijiao.workplan import services
    from zhijiao.workplan.loader import PLAN_2021_EXAMPLES, read_examples_file

    examples = read_examples_file(PLAN_2021_EXAMPLES)
    for person in examples["people"]:
        user = User.objects.create_user(username=person["username"], password=None)
        RoleAssignment.objects.create(user=user, role=Role.PROVINCE_STAFF, region=world.province)
    plan, _ = plan_load(examples=PLAN_2021_EXAMPLES)
    task = plan.tasks.get(kind="key_point", number=16)
    assert task.owner.username == "wp_zhao" and task.due_date == datetime.date(2021, 12, 31)
    assert task.example_fields == ["due_date", "owner"]
    assert plan.head.username == "wp_zhang"
    audits = AuditEntry.objects.count()
    plan_load(examples=PLAN_2021_EXAMPLES)
    assert AuditEntry.objects.count() == audits  # idempotent with the examples too
    # the division sets a real owner: the mark goes for the owner, stays for the example date
    services.task_update(actor=world["province_admin"], task=task, data={"owner": world["province_staff"]})
    task.refresh_from_db()
    assert task.owner == world["province_staff"] and "owner" not in task.example_fields
    assert "due_date" in task.example_fields
    plan_load(examples=PLAN_2021_EXAMPLES)  # a reload keeps the division's owner, unmarked
    task.refresh_from_db()
    assert task.owner == world["province_staff"] and "owner" not in task.example_fields


def test_load_without_region_is_a_clear_error(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="reference data"):
        plan_load()


def test_management_command(world, capsys):
    from django.core.management import call_command

    call_command("load_workplan", str(PLAN_2021))
    assert "60 tasks" in capsys.readouterr().out
    call_command("load_workplan", str(PLAN_2021), examples=str(PLAN_2021.parent / "plan_2021_demo.yaml"))
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

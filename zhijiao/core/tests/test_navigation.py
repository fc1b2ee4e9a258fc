"""Menus offer what opens, per role, grouped by subsystem; every entry answers 200 for its user."""

import pytest
from django.urls import reverse

from zhijiao.core.navigation import menu_entries, menu_for, menu_groups, menu_items

pytestmark = pytest.mark.django_db


def names(user):
    return {e["url_name"] for e in menu_entries(user)}


def test_every_item_belongs_to_a_group_and_every_group_has_a_name():
    keys = {g.key for g in menu_groups()}
    assert all(item.group in keys for item in menu_items())
    assert [g.key for g in menu_groups()][0] == "start"


def test_the_menu_is_grouped(world, english):
    groups = menu_for(world["province_admin"])
    labels = [str(g["label"]) for g in groups]
    assert labels[0] == "" and "Basic data" in labels and "System administration" in labels
    assert all(g["items"] for g in groups)


def test_enterprise_sees_its_posts_and_interns_not_the_registry(world):
    got = names(world["ent_a"])
    assert {"internships:post_list", "internships:placement_list", "enterprises:enterprise_list"} <= got
    assert not got & {
        "students:student_list",
        "credentials:issue",
        "credentials:print_batch",
        "credentials:publish",
        "internships:dashboard",
        "orgs:region_list",
    }


def test_only_authorities_publish_and_the_auditor_changes_nothing(world):
    assert "credentials:publish" in names(world["province_admin"])
    assert "credentials:publish" in names(world["jinan"])
    assert "credentials:publish" not in names(world["school_a"])
    auditor = names(world["auditor"])
    assert "core:audit_list" in auditor and "students:student_list" in auditor
    assert not auditor & {"credentials:issue", "credentials:publish", "workflows:worklist", "imports:index"}


def test_expert_and_plain_user(world, login):
    # An expert reviews programme applications (项目库: 我的评审).
    assert names(world["expert"]) == {
        "core:home",
        "majors:major_list",
        "programmes:my_reviews",
        "programmes:followup_my_reviews",
        "competitions:my_judging",
    }


@pytest.mark.parametrize("who", ["province_admin", "auditor", "jinan", "school_a", "ent_a", "expert"])
def test_every_entry_opens(world, login, who):
    client = login(world[who])
    for entry in menu_entries(world[who]):
        response = client.get(entry["url"])
        assert response.status_code in (200, 302), (who, entry["url"], response.status_code)
        if response.status_code == 302:
            assert reverse("accounts:login") not in response["Location"], (who, entry["url"])


def test_list_buttons_follow_the_pages_they_open(world, login):
    """导入 on 学校/企业 only where the import page exists for the role."""
    for who, expected in (("province_admin", True), ("jinan", False), ("school_a", False)):
        page = login(world[who]).get(reverse("orgs:institution_list")).content.decode()
        url = reverse("imports:upload", args=["institutions"])
        assert (url in page) is expected, who
        if expected:
            assert login(world[who]).get(url).status_code == 200

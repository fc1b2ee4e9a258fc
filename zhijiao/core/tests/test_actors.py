"""Named system actors (core.actors): real inactive users whose grants are declared, not held."""

from __future__ import annotations

import pytest

from zhijiao.accounts.selectors import user_list
from zhijiao.core.actors import ACTORS, actor_grants, decides_any_step, system_actor
from zhijiao.core.audit import audit_record
from zhijiao.core.display import actor_name
from zhijiao.core.models import AuditEntry
from zhijiao.core.scoping import restrict, user_scope
from zhijiao.core.testing import make_user
from zhijiao.orgs.models import Institution


def test_an_actor_is_an_inactive_user_without_a_password_made_once(world):
    sweep = system_actor("sweep")
    assert sweep.username == "system:sweep"
    assert not sweep.is_active and not sweep.has_usable_password()
    assert sweep.display_name == "系统（每日巡检）"
    assert system_actor("sweep").pk == sweep.pk
    created = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(sweep.pk), action="create")
    assert created.count() == 1


def test_an_undeclared_actor_is_an_error(world):
    with pytest.raises(KeyError):
        system_actor("nobody")


def test_its_grants_are_declared_at_the_root_of_the_tree(world):
    actor = system_actor("import-job")
    grants = actor_grants(actor)
    assert [(g.role, g.region_path) for g in grants] == [(ACTORS["import-job"].role, world.province.path)]
    assert user_scope(actor).is_province
    schools = restrict(Institution.objects.all(), actor, "change")
    assert set(schools) == {world.school_a, world.school_b}


def test_any_other_inactive_user_holds_nothing(world):
    lapsed = make_user("lapsed", "school_admin", node=world.school_a)
    lapsed.is_active = False
    lapsed.save()
    assert user_scope(lapsed).grants == ()
    assert not restrict(Institution.objects.all(), lapsed, "view").exists()
    # An inactive account named like an actor but not declared is nobody either.
    fake = make_user("system:backdoor", is_active=False)
    assert actor_grants(fake) == ()


def test_only_the_demo_actor_decides_any_approval_step(world):
    assert decides_any_step(system_actor("demo"))
    assert not decides_any_step(system_actor("sweep"))
    assert not decides_any_step(world["province_admin"])


def test_the_audit_log_names_the_actor(world):
    actor = system_actor("sweep")
    audit_record(actor=actor, action="update", instance=world.school_a, message="checked")
    entry = AuditEntry.objects.filter(actor=actor).get()
    assert entry.actor_name == "system:sweep"
    assert actor_name(entry.actor_name) == "系统（每日巡检）"
    assert actor_name("someone") == "someone"


def test_nobody_manages_an_actor_and_nobody_signs_in_as_one(world, client):
    actor = system_actor("reference-data")
    assert not user_list(viewer=world["province_admin"]).filter(pk=actor.pk).exists()
    assert not client.login(username=actor.username, password="")

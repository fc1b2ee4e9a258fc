"""Test helpers of enterprises: a factory, and the enterprises of the kernel's test worlds."""

from __future__ import annotations

import factory

from zhijiao.accounts.choices import Role
from zhijiao.accounts.models import RoleAssignment
from zhijiao.core.testing import make_uscc, make_user, world_part

from .models import Enterprise

FACTORY_CODE_BASE = 500_000_000


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    # The sequence runs on through a whole test process; tests write codes of their own with small
    # numbers (make_uscc(901), make_uscc(6000 + n)), so the factory's codes start far above them —
    # from 1 they reached an import test's 901… late in a long run and its new rows became updates.
    credit_code = factory.Sequence(lambda n: make_uscc(FACTORY_CODE_BASE + n))
    industry = "C"
    headcount = 100


@world_part("world")
def world_enterprises(w) -> None:
    """An enterprise in each city, and the user ``ent_a`` of the 济南 one."""
    w.ent_a = EnterpriseFactory(name="济南测试企业有限公司", region=w.lixia)
    w.ent_b = EnterpriseFactory(name="青岛测试企业有限公司", region=w.shinan)
    w.users["ent_a"] = make_user("ent_a", Role.ENTERPRISE, node=w.ent_a)


@world_part("scope_world")
def scope_world_enterprises(w) -> None:
    """The scope matrix's second enterprise user, and the multi-grant user's grant at enterprise A."""
    w.users["ent_b"] = make_user("ent_b", Role.ENTERPRISE, node=w.ent_b)
    RoleAssignment.objects.create(user=w.users["multi"], role=Role.ENTERPRISE, enterprise=w.ent_a)
    w.enterprises = {"a": w.ent_a, "b": w.ent_b}

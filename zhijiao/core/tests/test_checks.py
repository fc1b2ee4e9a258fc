"""The database checks (core.checks): a second root region with SCOPE_ONE_PROVINCE on is an error."""

from __future__ import annotations

import pytest

from zhijiao.core.checks import one_province_root
from zhijiao.core.testing import region
from zhijiao.orgs.choices import RegionLevel

pytestmark = pytest.mark.django_db


def test_one_root_passes(world):
    assert one_province_root(databases=["default"]) == []


def test_a_second_root_is_an_error_while_the_province_root_needs_no_condition(world, settings):
    region("410000", "河南省", RegionLevel.PROVINCE)
    errors = one_province_root(databases=["default"])
    assert [e.id for e in errors] == ["zhijiao.E001"]
    assert "370000/" in errors[0].msg and "410000/" in errors[0].msg
    settings.SCOPE_ONE_PROVINCE = False
    assert one_province_root(databases=["default"]) == []


def test_without_a_database_nothing_is_read(world):
    region("410000", "河南省", RegionLevel.PROVINCE)
    assert one_province_root(databases=None) == []


def test_the_check_runs_with_the_database_checks():
    from django.core.checks import Tags, registry

    assert one_province_root in registry.registry.registered_checks
    assert Tags.database in one_province_root.tags

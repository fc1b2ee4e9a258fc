"""Certificate tallies (credentials.tallies) follow issue, publish, revoke and void; the list's top
line and ``certificate_counts`` read them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from zhijiao.core import counters
from zhijiao.credentials import selectors, services
from zhijiao.credentials.models import Certificate

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="tallies are PostgreSQL triggers")


def live(user) -> dict:
    rows = {}
    for c in selectors.certificate_list(user=user):
        key = (c.status, "true" if c.published_at else "false", "true" if c.is_current else "false")
        rows[key] = rows.get(key, 0) + 1
    return rows


def test_tallies_follow_the_certificate_services(world, graduate, login):
    admin = world["province_admin"]
    certs = [
        services.certificate_issue(actor=admin, graduation=graduate(name=f"学生{i}"), principal_name="王校长")
        for i in range(3)
    ]
    services.certificate_issue(actor=admin, graduation=graduate("b", name="青岛生"), principal_name="李校长")
    users = (admin, world["school_a"], world["school_b"], world["qingdao"])
    for user in users:
        assert counters.tally("certificates", user, by=("k1", "k2", "k3")) == live(user)
    services.certificates_publish(actor=admin, certificates=[c.pk for c in certs[:2]])
    services.certificate_revoke(
        actor=admin, certificate=Certificate.objects.get(pk=certs[0].pk), reason="错误"
    )
    services.certificate_void(
        actor=world["school_a"], certificate=Certificate.objects.get(pk=certs[2].pk), reason="重印"
    )
    for user in users:
        assert counters.tally("certificates", user, by=("k1", "k2", "k3")) == live(user)
    counts = selectors.certificate_counts(user=world["school_a"])
    assert counts["total"] == 3 and counts["published"] == 1
    response = login(world["school_a"]).get(reverse("credentials:certificate_list"))
    assert response.context["table"].window.count.value == 3

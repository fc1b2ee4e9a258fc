import datetime

import pytest
from django.utils import timezone

from zhijiao.accounts.choices import Role
from zhijiao.core.audit import audit_record
from zhijiao.core.context import request_id_var
from zhijiao.core.models import AuditEntry, Job
from zhijiao.core.testing import make_user
from zhijiao.core.testing_api import APIEndpointTests, api_client, assert_error, result_ids, url

pytestmark = pytest.mark.django_db


def _entries(world, n):
    for _ in range(n):
        audit_record(actor=world["jinan"], action="update", instance=world.school_a, before={}, after={})


def _jobs(world, n):
    for _ in range(n):
        Job.objects.create(kind="import.institutions", created_by=world["jinan"])


@pytest.fixture
def entries(world):
    token = request_id_var.set("req-abc")
    try:
        a = audit_record(actor=world["jinan"], action="update", instance=world.school_a)
    finally:
        request_id_var.reset(token)
    b = audit_record(actor=world["qingdao"], action="create", instance=world.school_b)
    return a, b


class TestAuditEntryAPI(APIEndpointTests):
    endpoint = "audit-entries"
    viewer = "auditor"
    token_scopes = ("audit",)
    obj = staticmethod(lambda w: audit_record(actor=w["jinan"], action="update", instance=w.school_a))
    make_rows = staticmethod(_entries)
    list_max_queries = 5  # + the planner's estimate of the count (core.listing)

    @pytest.mark.parametrize("name", ["jinan", "school_a", "province_staff", "expert", "ent_a"])
    def test_only_view_audit_holders(self, world, entries, name):
        client = api_client(world[name])
        assert_error(client.get(url("audit-entries")), 403, "permission_denied")
        assert_error(client.get(url("audit-entries", entries[0].pk)), 403, "permission_denied")

    def test_a_token_needs_the_audit_scope(self, world, entries):
        assert_error(api_client(world["auditor"]).get(url("audit-entries")), 403, "permission_denied")
        assert api_client(world["auditor"], scopes=["audit"]).get(url("audit-entries")).status_code == 200

    def test_scoped_by_scope_path(self, world, entries):
        city_auditor = make_user("city_auditor", Role.AUDITOR, node=world.jinan)
        client = api_client(city_auditor, scopes=["audit"])
        assert result_ids(client.get(url("audit-entries"))) == {entries[0].pk}
        assert_error(client.get(url("audit-entries", entries[1].pk)), 404, "not_found")
        assert result_ids(
            api_client(world["province_admin"], scopes=["audit"]).get(url("audit-entries"))
        ) >= {
            entries[0].pk,
            entries[1].pk,
        }

    def test_filters(self, world, entries):
        a, b = entries
        client = api_client(world["auditor"], scopes=["audit"])
        assert result_ids(client.get(url("audit-entries"), {"action": "create"})) == {b.pk}
        assert result_ids(client.get(url("audit-entries"), {"actor_id": world["jinan"].pk})) == {a.pk}
        assert result_ids(client.get(url("audit-entries"), {"actor": "qingdao"})) == {b.pk}
        assert result_ids(client.get(url("audit-entries"), {"object_type": "orgs.institution"})) == {
            a.pk,
            b.pk,
        }
        assert result_ids(client.get(url("audit-entries"), {"object_id": str(world.school_b.pk)})) == {b.pk}
        assert result_ids(client.get(url("audit-entries"), {"request_id": "req-abc"})) == {a.pk}
        today = timezone.localdate()
        tomorrow = today + datetime.timedelta(days=1)
        assert result_ids(client.get(url("audit-entries"), {"date_from": today, "date_to": today})) == {
            a.pk,
            b.pk,
        }
        assert result_ids(client.get(url("audit-entries"), {"date_from": tomorrow})) == set()
        assert_error(client.get(url("audit-entries"), {"date_from": "yesterday"}), 400, "invalid")

    def test_read_only_for_everyone(self, world, entries):
        client = api_client(world["province_admin"], scopes=["audit"])
        assert_error(client.delete(url("audit-entries", entries[0].pk)), 405, "method_not_allowed")
        assert_error(client.patch(url("audit-entries", entries[0].pk), {"message": "x"}), 405)
        assert AuditEntry.objects.count() == 2

    def test_api_writes_are_audited_with_the_request_id(self, world):
        client = api_client(world["jinan"])
        response = client.patch(
            url("institutions", world.school_a.pk),
            {"status": "suspended"},
            format="json",
            HTTP_X_REQUEST_ID="integration-42",
        )
        assert response.status_code == 200
        entries = (
            api_client(world["auditor"], scopes=["audit"])
            .get(url("audit-entries"), {"request_id": "integration-42"})
            .json()
        )
        assert entries["count"] == 1
        row = entries["results"][0]
        assert row["action"] == "update" and row["actor"] == world["jinan"].pk
        assert row["object_type"] == "orgs.institution" and row["after"] == {"status": "suspended"}


class TestJobAPI(APIEndpointTests):
    endpoint = "jobs"
    viewer = "jinan"
    outsider = "qingdao"
    obj = staticmethod(lambda w: Job.objects.create(kind="import.institutions", created_by=w["jinan"]))
    make_rows = staticmethod(_jobs)
    list_max_queries = 4

    def test_even_the_province_admin_sees_only_own_jobs(self, world):
        mine = Job.objects.create(
            kind="import.enterprises", created_by=world["province_admin"], progress_total=4, progress_done=1
        )
        other = Job.objects.create(kind="import.enterprises", created_by=world["jinan"])
        client = api_client(world["province_admin"])
        assert result_ids(client.get(url("jobs"))) == {mine.pk}
        assert_error(client.get(url("jobs", other.pk)), 404)
        data = client.get(url("jobs", mine.pk)).json()
        assert data["percent"] == 25 and data["status"] == "queued" and data["status_label"]
        assert "params" not in data

    def test_filter_by_status(self, world):
        done = Job.objects.create(kind="k", created_by=world["jinan"], status="succeeded")
        Job.objects.create(kind="k", created_by=world["jinan"])
        assert result_ids(api_client(world["jinan"]).get(url("jobs"), {"status": "succeeded"})) == {done.pk}

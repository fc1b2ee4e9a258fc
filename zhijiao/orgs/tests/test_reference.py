"""The reference loader against the real files (counts from the data READMEs) and broken copies."""

import shutil
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from zhijiao.core.models import AuditEntry
from zhijiao.majors.models import Major
from zhijiao.majors.reference import reference_data_load
from zhijiao.orgs.choices import InstitutionKind, Ownership, RegionLevel
from zhijiao.orgs.models import Institution, Region
from zhijiao.orgs.reference import HEI_VOCATIONAL_FILE, REGIONS_FILE, ReferenceDataError

VOCATIONAL_BACHELORS = {
    "山东工程职业技术大学",
    "山东外国语职业技术大学",
    "山东外事职业大学",
    "淄博职业技术大学",
}


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English; the Chinese catalogue is added later."""
    with translation.override("en"):
        yield


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker):
    """Load the real files once per class, roll everything back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield reference_data_load(actor=None)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def data_copy(tmp_path, relpath: str, old: str, new: str):
    """A copy of the shared data directory with one text replacement in one file."""
    target = tmp_path / "data"
    shutil.copytree(settings.SHARED_DATA_DIR, target)
    path = target / relpath
    path.chmod(0o644)
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.django_db
@pytest.mark.usefixtures("loaded")
class TestRealFiles:
    def test_region_counts(self):
        assert Region.objects.count() == 153
        assert Region.objects.filter(level=RegionLevel.PROVINCE).count() == 1
        assert Region.objects.filter(level=RegionLevel.CITY).count() == 16
        counties = Region.objects.filter(level=RegionLevel.COUNTY)
        assert counties.count() == 136
        assert counties.filter(name__endswith="区").count() == 58
        assert counties.filter(name__endswith="市").count() == 26
        assert counties.filter(name__endswith="县").count() == 52

    def test_tree_and_paths(self):
        assert not Region.objects.filter(code="371200").exists()  # 莱芜, merged into 济南 in 2019
        lixia = Region.objects.get(code="370102")
        assert (lixia.name, lixia.path, lixia.parent.code) == ("历下区", "370000/370100/370102/", "370100")
        assert Region.objects.get(code="370116").parent.name == "济南市"  # 莱芜区
        for region in Region.objects.select_related("parent"):
            expected_parent = {"province": None, "city": "370000"}.get(region.level, region.code[:4] + "00")
            assert (region.parent.code if region.parent else None) == expected_parent
            assert region.path == (region.parent.path if region.parent else "") + region.code + "/"
        cities = set(Region.objects.filter(level=RegionLevel.CITY).values_list("code", flat=True))
        assert "370100" in cities and "371700" in cities and len(cities) == 16

    def test_institution_counts(self):
        assert Institution.objects.count() == 99
        assert Institution.objects.filter(kind=InstitutionKind.HIGHER_VOCATIONAL).count() == 95
        bachelors = Institution.objects.filter(kind=InstitutionKind.VOCATIONAL_BACHELOR)
        assert set(bachelors.values_list("name", flat=True)) == VOCATIONAL_BACHELORS
        assert not Institution.objects.filter(name="山东大学").exists()
        assert all(
            len(c) == 10 and c.startswith("4137") for c in Institution.objects.values_list("code", flat=True)
        )
        assert set(Institution.objects.values_list("region__level", flat=True)) == {RegionLevel.CITY}

    def test_sample_institution(self):
        college = Institution.objects.select_related("region").get(code="4137010832")
        assert college.name == "山东商业职业技术学院"
        assert college.region.name == "济南市"
        assert college.kind == InstitutionKind.HIGHER_VOCATIONAL
        assert college.supervising_authority == "山东省"
        assert college.ownership == Ownership.PUBLIC
        zibo = Institution.objects.get(name="淄博职业技术大学")
        assert (zibo.code, zibo.region.name, zibo.ownership) == ("4137013009", "淄博市", Ownership.PUBLIC)

    def test_private_institutions_follow_the_note(self):
        private = Institution.objects.filter(ownership=Ownership.PRIVATE)
        assert private.filter(kind=InstitutionKind.HIGHER_VOCATIONAL).count() == 25
        assert private.filter(kind=InstitutionKind.VOCATIONAL_BACHELOR).count() == 3
        assert set(private.values_list("supervising_authority", flat=True)) == {"山东省教育厅"}

    def test_every_row_is_audited_by_the_system(self, loaded):
        assert loaded.written == 153 + 57 + 277 + 1490 + 99
        assert AuditEntry.objects.count() == loaded.written
        assert set(AuditEntry.objects.values_list("actor_name", "action").distinct()) == {
            ("system", "create")
        }
        entry = AuditEntry.objects.get(
            object_type="orgs.region", object_id=str(Region.objects.get(code="370102").pk)
        )
        assert entry.scope_path == "370000/370100/370102/"
        assert entry.after["name"] == "历下区"

    def test_second_run_writes_nothing(self, django_assert_max_num_queries):
        audits = AuditEntry.objects.count()
        stamps = sorted(Institution.objects.values_list("updated_at", flat=True))
        with django_assert_max_num_queries(16):
            report = reference_data_load(actor=None)
        assert report.written == 0
        assert AuditEntry.objects.count() == audits
        assert sorted(Institution.objects.values_list("updated_at", flat=True)) == stamps

    def test_changed_rows_are_updated_and_audited(self, tmp_path):
        data = data_copy(
            tmp_path,
            HEI_VOCATIONAL_FILE,
            "山东商业职业技术学院,4137010832,山东省,山东,济南市",
            "山东商业职业技术学院,4137010832,山东省教育厅,山东,青岛市",
        )
        audits = AuditEntry.objects.count()
        report = reference_data_load(actor=None, data_dir=data)
        assert report.written == 1
        college = Institution.objects.get(code="4137010832")
        assert (college.supervising_authority, college.region.name) == ("山东省教育厅", "青岛市")
        entry = AuditEntry.objects.get(
            object_type="orgs.institution", object_id=str(college.pk), action="update"
        )
        assert entry.before == {
            "region": Region.objects.get(code="370100").pk,
            "supervising_authority": "山东省",
        }
        assert entry.after == {
            "region": Region.objects.get(code="370200").pk,
            "supervising_authority": "山东省教育厅",
        }
        assert AuditEntry.objects.count() == audits + 1

    def test_renamed_region_keeps_its_children(self, tmp_path):
        data = data_copy(tmp_path, REGIONS_FILE, "370102,历下区", "370102,历下新区")
        reference_data_load(actor=None, data_dir=data)
        assert Region.objects.get(code="370102").name == "历下新区"
        assert Region.objects.count() == 153


@pytest.mark.django_db
class TestBrokenFiles:
    def test_missing_column_aborts_with_nothing_written(self, tmp_path):
        data = data_copy(
            tmp_path, REGIONS_FILE, "code,name,level,parent_code", "code,label,level,parent_code"
        )
        with pytest.raises(ReferenceDataError, match="missing column.*name"):
            reference_data_load(actor=None, data_dir=data)
        assert Region.objects.count() == Major.objects.count() == AuditEntry.objects.count() == 0

    def test_bad_division_code(self, tmp_path):
        data = data_copy(tmp_path, REGIONS_FILE, "370102,历下区", "37010X,历下区")
        with pytest.raises(ReferenceDataError, match=r"line 4: division code '37010X' is not 6 digits"):
            reference_data_load(actor=None, data_dir=data)
        assert Region.objects.count() == AuditEntry.objects.count() == 0

    def test_unknown_parent(self, tmp_path):
        data = data_copy(tmp_path, REGIONS_FILE, "370102,历下区,county,370100", "370102,历下区,county,379900")
        with pytest.raises(ReferenceDataError, match="379900, which is not in the file"):
            reference_data_load(actor=None, data_dir=data)

    def test_institution_in_unknown_city(self, tmp_path):
        data = data_copy(tmp_path, HEI_VOCATIONAL_FILE, "山东,济南市,专科", "山东,莱芜市,专科")
        with pytest.raises(ReferenceDataError, match="unknown city '莱芜市'"):
            reference_data_load(actor=None, data_dir=data)
        assert Region.objects.count() == Institution.objects.count() == AuditEntry.objects.count() == 0

    def test_bad_institution_code(self, tmp_path):
        data = data_copy(tmp_path, HEI_VOCATIONAL_FILE, "4137010832", "413701083")
        with pytest.raises(ReferenceDataError, match="'413701083' is not 10 digits"):
            reference_data_load(actor=None, data_dir=data)

    def test_missing_directory(self, tmp_path):
        with pytest.raises(ReferenceDataError, match="Reference file not found"):
            reference_data_load(actor=None, data_dir=tmp_path)

    def test_command_reports_problems_clearly(self, tmp_path):
        data = data_copy(tmp_path, REGIONS_FILE, "370102,历下区", "37010X,历下区")
        with pytest.raises(CommandError, match="nothing was written(.|\n)*37010X"):
            call_command("load_reference_data", "--data-dir", str(data), stdout=StringIO())
        # Nothing of the data was written; the only entry is the creation of the loader's named
        # system actor (core.actors), which exists from its first use on.
        from zhijiao.core.actors import system_actor

        actor = system_actor("reference-data")
        assert not AuditEntry.objects.exclude(object_type="accounts.user", object_id=str(actor.pk)).exists()

    def test_command_loads_and_is_idempotent(self):
        out = StringIO()
        call_command("load_reference_data", stdout=out)
        assert "Regions: 153 created" in out.getvalue()
        out = StringIO()
        call_command("load_reference_data", stdout=out)
        assert "0 rows written" in out.getvalue()

"""One English word, two Chinese words: an organisation's name is 名称, a person's 姓名."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from zhijiao.credentials.models import Certificate
from zhijiao.enterprises.models import Enterprise
from zhijiao.internships.models import MentorAssignment
from zhijiao.orgs.models import Institution, Region
from zhijiao.students.models import Student


def label(model, field="name"):
    return str(capfirst(model._meta.get_field(field).verbose_name))


def test_names_of_organisations_and_of_people():
    with translation.override("zh-hans"):
        for model in (Institution, Enterprise, Region):
            assert label(model) == "名称", model
        for model, field in ((Student, "name"), (Certificate, "holder_name"), (MentorAssignment, "name")):
            assert label(model, field) == "姓名", model
    with translation.override("en"):
        assert label(Institution) == label(Student) == "Name"


@pytest.mark.django_db
def test_pages_label_them_so(world, login):
    client = login(world["province_admin"])
    page = client.get(reverse("orgs:institution_list")).content.decode()
    assert "名称" in page.split('id="object-table"', 1)[1] and "姓名" not in page
    page = client.get(reverse("enterprises:enterprise_detail", args=[world.ent_a.pk])).content.decode()
    assert ">名称<" in page and ">姓名<" not in page

"""Funding at 立项 and the call's settings: the province records each listed application's amount
(万元) and source between the decision and 立项, within the call's optional budget; the award
carries it to the institution's pages. The cap on an expert's reviews is set on the call's page."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhijiao.core.models import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.programmes import services
from zhijiao.programmes.choices import ApplicationStatus as S
from zhijiao.programmes.choices import CallStage, FundingSource
from zhijiao.programmes.models import Application, Award, Call

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(world, call):
    """Two applications on the decision list of a call under public notice (window closed)."""
    today = timezone.localdate()
    a = Application.objects.create(
        call=call, institution=world.school_a, title="立项甲", field="46", status=S.SHORTLISTED, rank=1
    )
    b = Application.objects.create(
        call=call, institution=world.school_b, title="立项乙", field="46", status=S.SHORTLISTED, rank=2
    )
    Application.objects.create(
        call=call, institution=world.school_b, title="落选丙", field="46", status=S.NOT_SELECTED, rank=3
    )
    Call.objects.filter(pk=call.pk).update(
        stage=CallStage.PUBLICISED,
        publicity_start=today - datetime.timedelta(days=10),
        publicity_end=today - datetime.timedelta(days=1),
        budget_total=Decimal("500"),
    )
    call.refresh_from_db()
    return call, a, b


def test_funding_is_recorded_audited_and_carried_to_the_award(world, listed):
    call, a, b = listed
    admin = world["province_admin"]
    n = services.funding_set(
        actor=admin,
        call=call,
        funding={a.pk: ("300", FundingSource.PROVINCE), b.pk: ("150.5", FundingSource.SCHOOL)},
    )
    assert n == 2
    a.refresh_from_db()
    assert (a.funding, a.funding_source) == (Decimal("300.00"), FundingSource.PROVINCE)
    assert AuditEntry.objects.filter(event="application.funding").count() == 2
    assert services.approve(actor=admin, call=call) == 2
    award = Award.objects.get(application=b)
    assert (award.funding, award.funding_source) == (Decimal("150.50"), FundingSource.SCHOOL)
    # After 立项 the funding is closed.
    with pytest.raises(ValidationError, match="before 立项"):
        services.funding_set(actor=admin, call=call, funding={a.pk: ("1", FundingSource.CITY)})


@pytest.mark.parametrize(
    ("amount", "source", "message"),
    [
        ("-1", FundingSource.PROVINCE, "may not be negative"),
        ("abc", FundingSource.PROVINCE, "write a number"),
        ("1.234", FundingSource.PROVINCE, "two decimal places"),
        ("100000000", FundingSource.PROVINCE, "at most"),
        ("100", "", "say where the funding comes from"),
        ("100", "lottery", "choose a source"),
    ],
)
def test_bad_funding_is_refused_and_nothing_changes(world, listed, amount, source, message):
    call, a, b = listed
    with pytest.raises(ValidationError, match=message):
        services.funding_set(
            actor=world["province_admin"],
            call=call,
            funding={b.pk: ("10", FundingSource.CITY), a.pk: (amount, source)},
        )
    assert not Application.objects.filter(funding__isnull=False).exists()


def test_funding_over_the_budget_is_refused_with_the_figures(world, listed):
    call, a, b = listed
    admin = world["province_admin"]
    services.funding_set(actor=admin, call=call, funding={a.pk: ("300", FundingSource.PROVINCE)})
    with pytest.raises(ValidationError, match=r"comes to 550\.00.*budget of 500\.00.*by 50\.00"):
        services.funding_set(actor=admin, call=call, funding={b.pk: ("250", FundingSource.PROVINCE)})
    b.refresh_from_db()
    assert b.funding is None
    # Lowering one amount while raising another is judged on the new total.
    services.funding_set(
        actor=admin,
        call=call,
        funding={a.pk: ("250", FundingSource.PROVINCE), b.pk: ("250", FundingSource.CITY)},
    )
    assert services.funding_total(call) == Decimal("500")
    # Nor may the budget be cut below what the list already has.
    with pytest.raises(ValidationError, match="over the call's budget"):
        services.call_settings_update(
            actor=admin, call=call, max_reviews_per_expert=None, budget_total=Decimal("499")
        )
    # Clearing an amount clears its source.
    services.funding_set(actor=admin, call=call, funding={a.pk: ("", FundingSource.PROVINCE)})
    a.refresh_from_db()
    assert (a.funding, a.funding_source) == (None, "")


def test_only_the_province_sets_funding_and_only_for_listed_applications(world, listed):
    call, a, b = listed
    with pytest.raises(OutOfScope):
        services.funding_set(actor=world["jinan"], call=call, funding={a.pk: ("1", FundingSource.CITY)})
    other = Application.objects.get(title="落选丙")
    with pytest.raises(ValidationError, match="not on this decision list"):
        services.funding_set(
            actor=world["province_admin"], call=call, funding={other.pk: ("1", FundingSource.CITY)}
        )
    Call.objects.filter(pk=call.pk).update(stage=CallStage.REVIEWING)
    call.refresh_from_db()
    with pytest.raises(ValidationError, match="after the decision"):
        services.funding_set(
            actor=world["province_admin"], call=call, funding={a.pk: ("1", FundingSource.CITY)}
        )


def test_decision_page_edits_funding_and_shows_it(world, listed, login):
    call, a, b = listed
    client = login(world["province_admin"])
    page = client.get(f"/programmes/calls/{call.pk}/decision/")
    assert page.status_code == 200
    assert f'name="amount_{a.pk}"' in page.content.decode()
    response = client.post(
        f"/programmes/calls/{call.pk}/decision/",
        {f"amount_{a.pk}": "600", f"source_{a.pk}": "province", f"amount_{b.pk}": "", f"source_{b.pk}": ""},
        follow=True,
    )
    assert "over the call&#x27;s budget" in response.content.decode()
    a.refresh_from_db()
    assert a.funding is None
    client.post(
        f"/programmes/calls/{call.pk}/decision/",
        {f"amount_{a.pk}": "120", f"source_{a.pk}": "city", f"amount_{b.pk}": "", f"source_{b.pk}": ""},
    )
    a.refresh_from_db()
    assert (a.funding, a.funding_source) == (Decimal("120.00"), "city")
    # The applicant sees the funding on its application.
    school_page = login(world["school_a"]).get(f"/programmes/applications/{a.pk}/").content.decode()
    assert "120.00" in school_page and "City government funds" in school_page
    # Others do not reach the decision list; after 立项 it is read-only.
    assert login(world["jinan"]).get(f"/programmes/calls/{call.pk}/decision/").status_code == 404
    client = login(world["province_admin"])
    services.approve(actor=world["province_admin"], call=call)
    page = client.get(f"/programmes/calls/{call.pk}/decision/").content.decode()
    assert 'name="amount_' not in page and "120.00" in page
    assert client.post(f"/programmes/calls/{call.pk}/decision/", {}).status_code == 404


def test_call_settings_cap_and_budget(world, call, login):
    admin = world["province_admin"]
    client = login(admin)
    page = client.get(f"/programmes/calls/{call.pk}/").content.decode()
    assert 'name="max_reviews_per_expert"' in page
    response = client.post(
        f"/programmes/calls/{call.pk}/settings/",
        {"max_reviews_per_expert": "0", "budget_total": ""},
        follow=True,
    )
    assert "at least one application" in response.content.decode()
    call.refresh_from_db()
    assert call.max_reviews_per_expert is None
    response = client.post(
        f"/programmes/calls/{call.pk}/settings/",
        {"max_reviews_per_expert": "5", "budget_total": "-3"},
        follow=True,
    )
    assert "may not be negative" in response.content.decode()
    client.post(
        f"/programmes/calls/{call.pk}/settings/", {"max_reviews_per_expert": "5", "budget_total": "800"}
    )
    call.refresh_from_db()
    assert (call.max_reviews_per_expert, call.budget_total) == (5, Decimal("800.00"))
    assert AuditEntry.objects.filter(event="call.settings").count() == 1
    # Other roles neither see the form nor post it.
    assert (
        'name="max_reviews_per_expert"'
        not in login(world["jinan"]).get(f"/programmes/calls/{call.pk}/").content.decode()
    )
    assert (
        login(world["jinan"])
        .post(f"/programmes/calls/{call.pk}/settings/", {"max_reviews_per_expert": "1"})
        .status_code
        == 404
    )
    call.refresh_from_db()
    assert call.max_reviews_per_expert == 5
    # Once reviewers are assigned the cap is fixed.
    Call.objects.filter(pk=call.pk).update(stage=CallStage.REVIEWING)
    with pytest.raises(ValidationError, match="no longer applies"):
        services.call_settings_update(
            actor=admin, call=call, max_reviews_per_expert=2, budget_total=Decimal("800")
        )


def test_the_calls_list_links_each_calls_current_pages(world, listed, login):
    call, a, b = listed
    today = timezone.localdate()
    Call.objects.filter(pk=call.pk).update(publicity_end=today + datetime.timedelta(days=2))
    province = login(world["province_admin"]).get("/programmes/").content.decode()
    for url in (
        f"/programmes/public/{call.code}/",
        f"/programmes/public/{call.code}/objection/",
        f"/programmes/calls/{call.pk}/decision/",
        f"/programmes/calls/{call.pk}/objections/",
    ):
        assert f'href="{url}"' in province, url
    school = login(world["school_a"]).get("/programmes/").content.decode()
    assert f'href="/programmes/public/{call.code}/objection/"' in school
    assert "/decision/" not in school and "/objections/" not in school
    # Once the window has closed the objection form is no longer offered.
    Call.objects.filter(pk=call.pk).update(publicity_end=today - datetime.timedelta(days=1))
    province = login(world["province_admin"]).get("/programmes/").content.decode()
    assert f'href="/programmes/public/{call.code}/"' in province and "/objection/" not in province

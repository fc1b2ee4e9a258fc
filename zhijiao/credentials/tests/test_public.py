"""The public /verify/ pages: results, minimal fields, logging, rate limits and the challenge."""

import re

import pytest
from django.urls import reverse

from zhijiao.credentials import services
from zhijiao.credentials.choices import LookupKind, LookupResult
from zhijiao.credentials.models import LookupLog

pytestmark = pytest.mark.django_db

INDEX = "/verify/"


@pytest.fixture
def published(world, graduate):
    g = graduate(name="王𪚥")
    cert = services.certificate_issue(actor=world["school_a"], graduation=g, principal_name="李校长")
    services.certificates_publish(actor=world["jinan"], certificates=[cert])
    cert.refresh_from_db()
    return cert


def lookup(client, number, name, meta=None, **extra):
    return client.post(INDEX, {"form": "number", "number": number, "name": name, **extra}, **(meta or {}))


def result_of(response) -> str | None:
    match = re.search(r'data-result="([a-z_]+)"', response.content.decode())
    return match.group(1) if match else None


def test_page_opens_without_login(client):
    response = client.get(INDEX)
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_valid_lookup_by_number_and_name(client, published):
    response = lookup(client, published.number, "王𪚥")
    assert result_of(response) == "valid"
    body = response.content.decode()
    assert published.institution_name in body and published.major_name in body
    log = LookupLog.objects.get()
    assert log.kind == LookupKind.NUMBER_NAME and log.result == LookupResult.VALID
    assert log.certificate_id == published.pk and log.query == published.number
    assert "王" not in log.query and len(log.client_hash) == 24


def test_no_id_number_anywhere_on_the_page(client, published):
    student = published.graduation.enrolment.student
    body = lookup(client, published.number, "王𪚥").content.decode()
    assert student.id_number not in body
    assert student.id_number[-4:] not in body.replace(published.number, "")
    assert published.holder_birth_date.isoformat() not in body


def test_wrong_name_is_not_found(client, published):
    assert result_of(lookup(client, published.number, "王五")) == "not_found"
    assert LookupLog.objects.get().result == LookupResult.NOT_FOUND


def test_wrong_check_character_is_reported(client, published):
    wrong = published.number[:-1] + ("0" if published.number[-1] != "0" else "1")
    response = lookup(client, wrong, "王𪚥")
    assert result_of(response) == "bad_input"
    assert "check character" in response.content.decode()
    assert LookupLog.objects.get().result == LookupResult.BAD_INPUT


def test_unpublished_is_not_found(client, world, graduate):
    cert = services.certificate_issue(actor=world["school_a"], graduation=graduate(), principal_name="李校长")
    assert result_of(lookup(client, cert.number, cert.holder_name)) == "not_found"


def test_revocation_shows_at_once(client, world, published):
    assert result_of(lookup(client, published.number, "王𪚥")) == "valid"
    services.certificate_revoke(actor=world["jinan"], certificate=published, reason="学籍造假")
    response = lookup(client, published.number, "王𪚥")
    assert result_of(response) == "revoked"
    assert "学籍造假" not in response.content.decode()  # the reason stays internal
    assert result_of(client.get(f"/verify/v/{published.number}?c={published.verify_code}")) == "revoked"


def test_voided_is_not_valid(client, world, published):
    services.certificate_void(actor=world["school_a"], certificate=published, reason="损坏")
    assert result_of(lookup(client, published.number, "王𪚥")) == "not_valid"


def test_code_and_short_link(client, published):
    response = client.post(INDEX, {"form": "code", "code": published.verify_code.lower()})
    assert result_of(response) == "valid"
    response = client.get(f"/verify/v/{published.number}?c={published.verify_code}")
    assert result_of(response) == "valid"
    other = "A" * 16
    assert result_of(client.get(f"/verify/v/{published.number}?c={other}")) == "not_found"
    kinds = list(LookupLog.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [LookupKind.CODE, LookupKind.SHORT_URL, LookupKind.SHORT_URL]


def _captcha(response) -> tuple[str, str]:
    """The CAPTCHA token a page shows and its answer (read from the counters' store)."""
    from zhijiao.core import ratelimit

    token = re.search(r'name="captcha_token" value="([0-9a-f]+)"', response.content.decode()).group(1)
    return token, ratelimit.backend().values[f"{ratelimit._prefix()}cap:{token}"][0]


def test_captcha_after_the_first_miss(client, settings, published):
    settings.CREDENTIALS_CHALLENGE_AFTER = 1
    assert result_of(lookup(client, published.number, "错的")) == "not_found"
    # The next lookup, even a right one, is not answered without the picture's characters.
    response = lookup(client, published.number, "王𪚥")
    assert result_of(response) is None
    assert b'name="captcha"' in response.content and b"data:image/png;base64," in response.content
    # A wrong answer is refused and logged; the result is not shown.
    token, _answer = _captcha(response)
    response = lookup(client, published.number, "王𪚥", captcha_token=token, captcha="XXXXX")
    assert result_of(response) is None and b'name="captcha"' in response.content
    assert LookupLog.objects.filter(result=LookupResult.CHALLENGE_FAILED).count() == 1
    # An answer is good for one try only.
    again = lookup(client, published.number, "王𪚥", captcha_token=token, captcha=_answer)
    assert result_of(again) is None
    # The new picture, answered in lower case.
    token, answer = _captcha(again)
    response = lookup(client, published.number, "王𪚥", captcha_token=token, captcha=answer.lower())
    assert result_of(response) == "valid"
    # The misses are cleared: the next lookup needs no picture.
    assert result_of(lookup(client, published.number, "王𪚥")) == "valid"


def test_captcha_on_a_scanned_link_after_a_miss(client, settings, published):
    settings.CREDENTIALS_CHALLENGE_AFTER = 1
    wrong = f"/verify/v/{published.number}?c={'B' * 16}"
    assert result_of(client.get(wrong)) == "not_found"
    page = client.get(f"/verify/v/{published.number}?c={published.verify_code}")
    assert result_of(page) is None and b'name="captcha"' in page.content
    token, answer = _captcha(page)
    done = client.post(
        f"/verify/v/{published.number}?c={published.verify_code}", {"captcha_token": token, "captcha": answer}
    )
    assert result_of(done) == "valid"


def test_a_known_number_does_not_find_the_name_by_guessing(client, settings, published):
    """With a number known, guessing the holder's name meets the CAPTCHA after the first miss."""
    settings.CREDENTIALS_CHALLENGE_AFTER = 1
    guesses = ["王一", "王二", "王三", "王𪚥"]
    results = [result_of(lookup(client, published.number, name)) for name in guesses]
    assert results == ["not_found", None, None, None]


def test_invisible_characters_do_not_hide_a_name(client, published):
    assert result_of(lookup(client, published.number, "王\u200b𪚥")) == "valid"
    assert result_of(lookup(client, published.number, "\u202e王𪚥")) == "valid"


def test_rate_limit(client, settings, published):
    settings.CREDENTIALS_LOOKUP_LIMIT = 5
    settings.CREDENTIALS_CHALLENGE_AFTER = 100
    for _ in range(5):
        assert lookup(client, published.number, "王𪚥").status_code == 200
    response = lookup(client, published.number, "王𪚥")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert LookupLog.objects.filter(result=LookupResult.RATE_LIMITED).count() == 1
    # Another client is not affected.
    assert lookup(client, published.number, "王𪚥", meta={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200


def test_holder_report_states(client, world, published):
    from django.utils import timezone

    user = world["expert"]  # any account may be a holder once linked to the student
    student = published.graduation.enrolment.student
    student.user = user
    student.save()
    report = services.report_create(actor=user, certificate=published, validity_days=30)
    assert result_of(client.get(f"/verify/c/{report.code}")) == "valid"
    services.report_close(actor=user, report=report)
    response = client.get(f"/verify/c/{report.code}")
    assert result_of(response) == "closed"
    assert published.holder_name not in response.content.decode()
    report2 = services.report_create(actor=user, certificate=published, validity_days=7)
    type(report2).objects.filter(pk=report2.pk).update(expires_at=timezone.now())
    assert result_of(client.get(f"/verify/c/{report2.code}")) == "expired"


def test_report_limits_and_holder_only(world, published, settings):
    from django.core.exceptions import ValidationError

    from zhijiao.core.services import OutOfScope

    settings.CREDENTIALS_REPORT_MAX_DAYS = 60
    with pytest.raises(OutOfScope):
        services.report_create(actor=world["school_a"], certificate=published, validity_days=30)
    student = published.graduation.enrolment.student
    student.user = world["expert"]
    student.save()
    with pytest.raises(ValidationError):
        services.report_create(actor=world["expert"], certificate=published, validity_days=61)
    report = services.report_create(actor=world["expert"], certificate=published, validity_days=60)
    with pytest.raises(OutOfScope):
        services.report_close(actor=world["school_a"], report=report)


def test_signed_qr_page(client, published):
    response = client.post("/verify/qr/", {"payload": published.signed_qr})
    assert result_of(response) == "signature_valid"
    body = response.content.decode()
    assert "王𪚥" in body
    assert "whether it has been revoked can only be checked online" in body
    tampered = (
        published.signed_qr[:-3] + ("A" if published.signed_qr[-3] != "A" else "B") + published.signed_qr[-2:]
    )
    response = client.post("/verify/qr/", {"payload": tampered})
    assert result_of(response) == "signature_invalid"
    response = client.post("/verify/qr/", {"payload": "HC1:" + published.signed_qr[4:]})
    assert "must start with VC1:" in response.content.decode()
    results = list(LookupLog.objects.order_by("id").values_list("result", flat=True))
    assert results == [
        LookupResult.SIGNATURE_VALID,
        LookupResult.SIGNATURE_INVALID,
        LookupResult.SIGNATURE_INVALID,
    ]


def test_key_list(client, published):
    data = client.get(reverse("verify:keys_json")).json()
    assert [k["kid"] for k in data["keys"]] == [published.signing_key.kid]
    pem = client.get(reverse("verify:keys_pem")).content.decode()
    assert "BEGIN PUBLIC KEY" in pem and "PRIVATE" not in pem


def test_lookup_query_budget(client, published, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the certificate, the log row
        lookup(client, published.number, "王𪚥")


def test_forwarded_address_only_when_trusted(rf, settings):
    from zhijiao.credentials.verification import client_address

    request = rf.get("/verify/", HTTP_X_FORWARDED_FOR="1.1.1.1, 10.0.0.5", REMOTE_ADDR="127.0.0.1")
    assert client_address(request) == "127.0.0.1"
    settings.CREDENTIALS_TRUST_X_FORWARDED_FOR = True
    assert client_address(request) == "10.0.0.5"


def test_result_page_pieces_carry_each_lookups_values(client, world, published):
    """The result page is rendered once per language and kind of result and then filled in: each
    lookup shows its own values, escaped, its report's expiry, and the page in the asked language."""
    from django.utils import timezone
    from django.utils.formats import date_format

    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    first = lookup(client, published.number, "王𪚥", meta=zh).content.decode()
    assert "王𪚥" in first and published.number in first and "数据截至" in first
    # The same kind of result for another certificate: its values, none of the first one's.
    type(published).objects.filter(pk=published.pk).update(
        holder_name="<b>赵</b>", institution_name='济南"职业"学院&'
    )
    response = lookup(client, published.number, "<b>赵</b>", meta=zh)
    second = response.content.decode()
    assert result_of(response) == "valid"
    assert "&lt;b&gt;赵&lt;/b&gt;" in second and "<b>赵</b>" not in second
    assert "济南&quot;职业&quot;学院&amp;" in second and "王𪚥" not in second
    # A holder's report shows its own expiry date.
    user = world["expert"]
    student = published.graduation.enrolment.student
    student.user = user
    student.save()
    report = services.report_create(actor=user, certificate=published, validity_days=30)
    body = client.get(f"/verify/c/{report.code}").content.decode()
    assert date_format(timezone.localtime(report.expires_at), "DATE_FORMAT") in body
    # The same result in English is its own page.
    english = lookup(client, published.number, "<b>赵</b>", meta={"HTTP_ACCEPT_LANGUAGE": "en"})
    assert "Data as of" in english.content.decode() and "数据截至" not in english.content.decode()


@pytest.mark.parametrize(
    ("number", "name"),
    [("", "王𪚥"), ("{number}", "   "), ("{number}", "王\x00"), ("X" * 41, "王𪚥"), ("{number}", "王" * 51)],
)
def test_lookup_fields_the_form_refuses(client, published, number, name):
    response = lookup(client, number.format(number=published.number), name)
    assert response.status_code == 200 and result_of(response) is None
    assert b"is-invalid" in response.content
    assert not LookupLog.objects.exists()


def test_lookups_need_no_csrf_token(published):
    """A public lookup uses no one's rights: no CSRF check (views_public.index), so a page without
    the token, or a verifier's own script, can post."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert result_of(lookup(strict, published.number, "王𪚥")) == "valid"
    assert strict.post("/verify/qr/", {"payload": "VC1:x"}).status_code == 403  # not a lookup: checked

"""The leadership briefing as a dated PDF: real PDF, Chinese text extractable, scoped like the HTML page."""

import io
from urllib.parse import quote

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages)


def test_briefing_pdf_for_the_division_head(world, plan, kp, login):
    client = login(world["province_admin"])
    response = client.get(reverse("workplan:briefing_pdf"), {"as_of": "2021-06-15"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("工作要点督办简报-2021-06-15.pdf") in disposition
    text = _pdf_text(response.content)
    assert "2021年山东省职业教育工作要点" in text
    assert kp(1).title in text and "2021-06-15" in text
    # the HTML briefing and the board offer the download, keeping the filters
    for name in ("workplan:briefing", "workplan:board"):
        body = client.get(reverse(name), {"as_of": "2021-06-15"}).content.decode()
        assert reverse("workplan:briefing_pdf") + "?as_of=2021-06-15" in body


def test_briefing_pdf_follows_the_board_filters(world, plan, login):
    client = login(world["province_admin"])
    response = client.get(reverse("workplan:briefing_pdf"), {"kind": "routine"})
    text = _pdf_text(response.content)
    assert plan.tasks.get(kind="routine", number=1).title[:8] in text
    assert plan.tasks.get(kind="key_point", number=1).title not in text


def test_briefing_pdf_scope(client, world, plan, login):
    response = client.get(reverse("workplan:briefing_pdf"))
    assert response.status_code == 302 and "login" in response["Location"]
    for user in ("jinan", "school_a"):
        login(world[user])
        html = client.get(reverse("workplan:briefing")).status_code
        pdf = client.get(reverse("workplan:briefing_pdf")).status_code
        assert html in (403, 404) and pdf == html
        # another province's plan asked for by id: not found, like the HTML page
        assert client.get(reverse("workplan:briefing_pdf"), {"plan": plan.pk}).status_code == 404

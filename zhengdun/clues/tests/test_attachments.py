"""Attachments: uploaded through the page with their content checked, downloaded only by those
who may see the clue, every download audited."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhengdun.audit.models import Entry
from zhengdun.clues import actions
from zhengdun.clues import testing as ct
from zhengdun.clues.models import Attachment, Sensitivity, Status
from zhengdun.clues.tests.detail_helpers import (
    HX,
    action_url,
    client_for,
    detail_url,
    fast_passwords,  # noqa: F401 - autouse fixture
    recused_user,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def upload(user, clue, name, content, **extra):
    return client_for(user).post(
        action_url(clue, "attach"), {"file": SimpleUploadedFile(name, content)}, **extra
    )


def attach(city, clue, name="举报材料.pdf", content=PDF) -> Attachment:
    return actions.add_attachment(city.office_handler, clue, upload=SimpleUploadedFile(name, content))


# --- upload ----------------------------------------------------------------------------------


def test_it_uploads_a_pdf(city):
    clue = ct.register(city)
    response = upload(city.office_handler, clue, "举报材料.pdf", PDF)
    assert response.status_code == 302
    att = clue.attachments.get()
    assert (att.original_name, att.content_type, att.size) == ("举报材料.pdf", "application/pdf", len(PDF))
    assert Entry.objects.filter(action="clue.attachment_added", object_id=str(clue.pk)).exists()
    assert "举报材料.pdf" in client_for(city.office_handler).get(detail_url(clue)).content.decode()


def test_it_uploads_as_the_handling_unit(city):
    clue = ct.walk(city, ct.register(city), Status.HANDLING)
    assert upload(city.handler_a, clue, "谈话笔录.pdf", PDF).status_code == 302
    assert clue.attachments.count() == 1


@pytest.mark.parametrize(
    "content",
    [
        b"<html><body><script>alert(1)</script></body></html>",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200,
    ],
    ids=["html", "exe"],
)
def test_it_refuses_a_disguised_pdf(city, content):
    clue = ct.register(city)
    response = upload(city.office_handler, clue, "材料.pdf", content, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "附件内容与扩展名“.pdf”不符" in html
    assert 'data-form="attach"' in html  # the form is shown again, beside the field
    assert not Attachment.objects.exists()


def test_it_refuses_an_executable_extension(city):
    clue = ct.register(city)
    response = upload(city.office_handler, clue, "setup.exe", b"MZ" + b"\x00" * 100)
    assert response.status_code == 200 and "不支持的附件类型“.exe”" in response.content.decode()
    assert not Attachment.objects.exists()


def test_it_refuses_an_oversized_file(city, settings):
    settings.ATTACHMENT_MAX_BYTES = 64
    clue = ct.register(city)
    response = upload(city.office_handler, clue, "大文件.pdf", PDF + b"0" * 100)
    assert response.status_code == 200 and "附件不能超过" in response.content.decode()
    assert not Attachment.objects.exists()


def test_it_asks_for_a_file(city):
    clue = ct.register(city)
    response = client_for(city.office_handler).post(action_url(clue, "attach"), {})
    assert response.status_code == 200 and "请选择要上传的文件" in response.content.decode()


def test_it_refuses_uploads_to_users_without_the_right(city):
    clue = ct.walk(city, ct.register(city), Status.ASSIGNED)
    assert upload(city.leader_a, clue, "a.pdf", PDF).status_code == 403  # leaders approve, not attach
    assert upload(city.handler_b, clue, "a.pdf", PDF).status_code == 404
    assert upload(city.outsider, clue, "a.pdf", PDF).status_code == 404
    assert not Attachment.objects.exists()


def test_it_refuses_uploads_to_a_merged_clue(city):
    first = ct.register(city)
    second = ct.register(city)
    actions.merge_clue(city.office_handler, second, into=first)
    response = upload(city.office_handler, second, "a.pdf", PDF)
    assert response.status_code == 409
    assert not Attachment.objects.exists()


# --- download --------------------------------------------------------------------------------


def test_it_downloads_with_a_safe_disposition_and_audits_it(city):
    clue = ct.register(city)
    att = attach(city, clue)
    response = client_for(city.office_handler).get(f"/clues/attachments/{att.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E4%B8%BE%E6%8A%A5%E6%9D%90%E6%96%99.pdf" in disposition
    entry = Entry.objects.get(action="clue.attachment_downloaded")
    assert entry.actor == city.office_handler and entry.object_id == str(clue.pk)
    assert entry.data["attachment"] == att.pk and entry.data["name"] == "举报材料.pdf"


def test_it_downloads_for_the_handling_unit(city):
    clue = ct.walk(city, ct.register(city), Status.ASSIGNED)
    att = attach(city, clue)
    assert client_for(city.handler_a).get(f"/clues/attachments/{att.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["handler_b", "outsider", "officer_a", "auditor"])
def test_it_answers_404_to_a_download_out_of_scope(city, who):
    clue = ct.walk(city, ct.register(city), Status.ASSIGNED)
    att = attach(city, clue)
    assert client_for(getattr(city, who)).get(f"/clues/attachments/{att.pk}/").status_code == 404
    assert not Entry.objects.filter(action="clue.attachment_downloaded").exists()


def test_it_answers_404_to_a_download_by_a_recused_user(city):
    clue = ct.register(city)  # about 张明
    att = attach(city, clue)
    user = recused_user(city)
    assert client_for(user).get(f"/clues/attachments/{att.pk}/").status_code == 404
    assert not Entry.objects.filter(action="clue.attachment_downloaded").exists()


def test_it_answers_404_to_a_download_of_an_important_clue_by_someone_not_named(city):
    clue = ct.walk(
        city, ct.register(city, sensitivity=Sensitivity.IMPORTANT, viewers=[city.handler_a]), "assigned"
    )
    att = attach(city, clue)
    assert client_for(city.handler_a).get(f"/clues/attachments/{att.pk}/").status_code == 200
    assert client_for(city.leader_a).get(f"/clues/attachments/{att.pk}/").status_code == 404


def test_it_answers_404_for_an_unknown_attachment(city):
    assert client_for(city.office_handler).get("/clues/attachments/424242/").status_code == 404


def test_it_refuses_to_post_to_the_download(city):
    clue = ct.register(city)
    att = attach(city, clue)
    assert client_for(city.office_handler).post(f"/clues/attachments/{att.pk}/").status_code == 405

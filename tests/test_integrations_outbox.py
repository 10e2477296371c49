"""Letters and frozen documents out through the outbox: a row per document per channel, sent once
(an e-mail notice without the content, a MeMo file for Digital Post, a folder drop for the records
system), retried after a failure or an interrupted worker, with the status on the letter's page."""

import base64
import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from haandguide.actors import Actor
from haandguide.models import AccessLog
from handleplan.models import PlanSnapshot
from integrations import channels, outbox
from integrations.models import ChannelSetting, OutboxItem
from tests.case_fixtures import as_user, guardians, handleplan  # noqa: F401
from tests.test_districtcouncil import case, config, decide, on_agenda  # noqa: F401

pytestmark = pytest.mark.django_db
JOB = Actor.job("outbox_send")
Status = OutboxItem.Status


class WorkerKilled(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the send path catches it."""


@pytest.fixture
def channels_on(municipality, tmp_path):
    for purpose, channel in (("brev", "email"), ("brev", "digital_post"), ("journal", "folder")):
        ChannelSetting.objects.create(municipality=municipality, purpose=purpose, channel=channel,
                                      folder=str(tmp_path / channel), sender_id="29189838")
    return tmp_path


@pytest.fixture
def emailed(guardians):  # noqa: F811
    """Alma's custodians, with e-mail addresses."""
    for g in guardians:
        g.email = f"{g.relation}@example.dk"
        g.save()
    return guardians


@pytest.fixture
def letter(birgitte, on_agenda, config, channels_on, emailed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # queued, not yet sent
        decision = decide(birgitte, on_agenda, config["resource"]["Praksisvejleder"])
    return decision.letters.get()


def items(document="brev"):
    return {i.channel: i for i in OutboxItem.objects.filter(document=document)}


def files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_letter_gets_a_row_per_channel_and_each_is_sent_once(letter, channels_on, emailed):
    rows = items()
    assert set(rows) == {"email", "digital_post", "folder"} and {r.status for r in rows.values()} == {Status.PENDING}
    assert outbox.outbox_send_due(actor=JOB) >= 3
    rows = items()
    assert {r.status for r in rows.values()} == {Status.SENT}
    assert len(mail.outbox) == 1 and len(files(channels_on / "digital_post")) == 1
    # Again (a duplicate task, the sweep): nothing is sent twice.
    assert [outbox.outbox_send(r.pk, actor=JOB) for r in rows.values()] == [None, None, None]
    outbox.outbox_send_due(actor=JOB)
    assert len(mail.outbox) == 1 and len(files(channels_on / "digital_post")) == 1


def test_the_email_is_a_notice_without_the_letters_content_or_the_childs_name(letter, channels_on, emailed):
    outbox.outbox_send_due(actor=JOB)
    message = mail.outbox[0]
    custodians = sorted(g.email for g in emailed if g.has_custody and g.email)
    assert sorted(message.to) == custodians and custodians
    text = message.subject + message.body
    child = letter.decision.child
    assert child.first_name not in text and child.last_name not in text
    assert letter.decision.notes not in text and "Digital Post" in text
    assert message.extra_headers["Message-ID"] == f"<{items()['email'].key}@haandguide>"


def test_digital_post_gets_a_memo_message_with_the_letter(letter, channels_on):
    outbox.outbox_send_due(actor=JOB)
    (name,) = files(channels_on / "digital_post")
    xml = (channels_on / "digital_post" / name).read_text()
    assert 'xmlns:memo="https://DigitalPost.dk/MeMo-1"' in xml
    assert "<memo:recipientID>" + letter.decision.child.cpr + "</memo:recipientID>" in xml
    assert "<memo:senderID>29189838</memo:senderID>" in xml
    content = re.search(r"<memo:content>(.*)</memo:content>", xml).group(1)
    assert base64.b64decode(content) == bytes(letter.pdf)
    assert channels.message_uuid(items()["digital_post"].key) in xml


def test_a_worker_interrupted_after_delivering_is_retried_and_delivers_once(letter, channels_on, monkeypatch):
    """The file is written, then the worker dies before "sent" commits: the row is pending again,
    and the retry finds the file under the same key and writes nothing new."""
    item = items()["digital_post"]
    real_log = outbox.log_access

    def die_once(*args, **kwargs):
        monkeypatch.setattr(outbox, "log_access", real_log)
        raise WorkerKilled

    monkeypatch.setattr(outbox, "log_access", die_once)
    with pytest.raises(WorkerKilled):
        outbox.outbox_send(item.pk, actor=JOB)
    item.refresh_from_db()
    assert item.status == Status.PENDING and len(files(channels_on / "digital_post")) == 1
    assert outbox.outbox_send(item.pk, actor=JOB) == Status.SENT
    item.refresh_from_db()
    assert "fandtes allerede" in item.receipt and len(files(channels_on / "digital_post")) == 1
    assert [p.name for p in (channels_on / "digital_post").iterdir() if p.name.startswith(".tmp")] == []


def test_a_worker_interrupted_before_the_email_left_sends_it_once_on_retry(letter, channels_on, emailed, monkeypatch):
    item = items()["email"]

    def die(self, *args, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr("django.core.mail.EmailMessage.send", die)
    with pytest.raises(WorkerKilled):
        outbox.outbox_send(item.pk, actor=JOB)
    monkeypatch.undo()
    assert OutboxItem.objects.get(pk=item.pk).status == Status.PENDING and mail.outbox == []
    assert outbox.outbox_send(item.pk, actor=JOB) == Status.SENT
    assert outbox.outbox_send(item.pk, actor=JOB) is None
    assert len(mail.outbox) == 1


def test_a_failed_send_is_logged_and_retried_by_the_sweep(letter, channels_on, emailed, monkeypatch):
    item = items()["email"]

    def down(self, *args, **kwargs):
        raise ConnectionRefusedError("forbindelse nægtet")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", down)
    assert outbox.outbox_send(item.pk, actor=JOB) == Status.FAILED
    item.refresh_from_db()
    assert item.attempts == 1 and "Mailserveren" in item.last_error
    assert AccessLog.objects.filter(action="naegtet", object_type="udgaaende:brev", child_id=item.child_id).exists()
    monkeypatch.undo()
    outbox.outbox_send_due(actor=JOB)
    item.refresh_from_db()
    assert item.status == Status.SENT and item.attempts == 2 and len(mail.outbox) == 1


def test_a_channel_that_can_never_deliver_gives_up_at_once(letter, municipality, channels_on):
    ChannelSetting.objects.filter(channel="digital_post").update(sender_id="")
    item = items()["digital_post"]
    assert outbox.outbox_send(item.pk, actor=JOB) == Status.GAVE_UP
    assert outbox.outbox_send(item.pk, actor=JOB) is None and files(channels_on / "digital_post") == []


def test_the_records_system_gets_each_frozen_document_once_with_metadata(letter, channels_on):
    decision = letter.decision
    filed_kinds = sorted(OutboxItem.objects.filter(channel="folder").values_list("document", flat=True))
    assert filed_kinds == ["afgoerelse", "brev"]  # the plan froze before the channel existed: next test
    outbox.outbox_send_due(actor=JOB)
    outbox.outbox_send_due(actor=JOB)
    folder = channels_on / "folder"
    assert files(folder) == sorted(i.key for i in OutboxItem.objects.filter(channel="folder"))
    letter_folder = folder / items()["folder"].key
    metadata = json.loads((letter_folder / "metadata.json").read_text())
    assert metadata["sha256"] == letter.sha256 and metadata["part_cpr"] == decision.child.cpr
    assert (letter_folder / f"brev-{letter.pk}.pdf").read_bytes() == bytes(letter.pdf)
    decision_doc = json.loads((folder / items("afgoerelse")["folder"].key / f"afgoerelse-{decision.pk}.json").read_text())
    assert decision_doc["begrundelse"] == decision.notes


def test_the_frozen_plan_is_filed_when_it_is_sent_to_the_council(municipality, channels_on, on_agenda):
    # on_agenda's submission froze the plan before the channels existed: file it now, once.
    snapshot = PlanSnapshot.objects.get()
    outbox.outbox_enqueue("handleplan", snapshot.pk, municipality_id=municipality.pk, child_id=on_agenda.child_id)
    outbox.outbox_enqueue("handleplan", snapshot.pk, municipality_id=municipality.pk, child_id=on_agenda.child_id)
    assert OutboxItem.objects.filter(document="handleplan").count() == 1
    outbox.outbox_send_due(actor=JOB)
    (name,) = files(channels_on / "folder")
    content = json.loads((channels_on / "folder" / name / f"handleplan-{snapshot.pk}.json").read_text())
    assert content["sha256"] == snapshot.content_hash


def test_the_letters_delivery_status_shows_on_the_decision_page(letter, client_for, lars, channels_on, emailed):
    outbox.outbox_send_due(actor=JOB)
    page = client_for(lars).get(reverse("districtcouncil:decision_detail", args=[letter.decision_id]))
    text = page.content.decode()
    assert "Digital Post (MeMo-fil): <strong>Sendt</strong>" in text
    assert "E-mail (besked om brev): <strong>Sendt</strong>" in text


def test_the_portal_channel_publishes_the_letter_in_the_portal_once(letter, municipality, emailed,
                                                                    django_capture_on_commit_callbacks):
    """The seam with the parents' portal (issue 18): the outbox's job publishes the letter through
    portal.services.publish_letter: the custodians see it and get a notice, once, however often
    the row is sent."""
    from portal.models import LetterDelivery

    ChannelSetting.objects.create(municipality=municipality, purpose="brev", channel="portal")
    items_ = outbox.outbox_enqueue("brev", letter.pk, municipality_id=municipality.pk,
                                   child_id=letter.decision.child_id)
    portal_item = next(i for i in items_ if i.channel == "portal")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.outbox_send(portal_item.pk, actor=JOB) == Status.SENT
    assert outbox.outbox_send(portal_item.pk, actor=JOB) is None
    delivery = LetterDelivery.objects.get(letter=letter)
    assert delivery.published_by is None  # the municipality's outbox, not a person
    assert len(mail.outbox) == len([g for g in emailed if g.email])
    assert all(letter.decision.notes not in m.body for m in mail.outbox if letter.decision.notes)


def test_a_letter_the_leader_published_already_counts_as_delivered(letter, municipality):
    from portal import services as portal_services
    from portal.models import LetterDelivery

    portal_services.publish_letter(letter, actor=Actor.job("leder-i-forvejen"))
    ChannelSetting.objects.create(municipality=municipality, purpose="brev", channel="portal")
    items_ = outbox.outbox_enqueue("brev", letter.pk, municipality_id=municipality.pk, child_id=letter.decision.child_id)
    portal_item = next(i for i in items_ if i.channel == "portal")
    assert outbox.outbox_send(portal_item.pk, actor=JOB) == Status.SENT
    assert LetterDelivery.objects.filter(letter=letter).count() == 1


def test_a_refusal_by_the_portal_gives_up_with_its_reason(letter, municipality, monkeypatch):
    """A letter the portal will not take gives up with the portal's reason instead of retrying
    forever, and nothing is published."""
    from haandguide.exceptions import Refusal
    from portal import services as portal_services
    from portal.models import LetterDelivery

    monkeypatch.setattr(portal_services, "publish_letter_refusal",
                        lambda letter, *, actor: Refusal("no_child", "Brevet gælder en børnegruppe."))
    ChannelSetting.objects.create(municipality=municipality, purpose="brev", channel="portal")
    items_ = outbox.outbox_enqueue("brev", letter.pk, municipality_id=municipality.pk, child_id=letter.decision.child_id)
    portal_item = next(i for i in items_ if i.channel == "portal")
    assert outbox.outbox_send(portal_item.pk, actor=JOB) == Status.GAVE_UP
    portal_item.refresh_from_db()
    assert "børnegruppe" in portal_item.last_error
    assert not LetterDelivery.objects.filter(letter=letter).exists()

"""What the cases app removes when children's data is anonymised (haandguide.retention): a batch
of children at a time, in the same queries whatever its size."""

from cases.models import (
    Attachment, Case, CaseEvent, CloseReason, Consent, Meeting, Observation, Referral, Underretning,
)


def anonymise_children(children) -> None:
    attachments = Attachment.objects.filter(observation__child__in=children)
    for attachment in attachments:
        attachment.file.delete(save=False)
    attachments.delete()
    # One statement, without the statistics' signals per observation (five queries each): the
    # statistics take the batch's children at once (reports/retention.py).
    observations = Observation.objects.filter(child__in=children)
    observations._raw_delete(observations.db)
    Consent.objects.filter(child__in=children).delete()
    cases = Case.objects.filter(child__in=children)  # a child has at most one case
    Referral.objects.filter(case__in=cases).delete()
    Meeting.objects.filter(case__in=cases).delete()
    Underretning.objects.filter(case__in=cases).delete()
    # The events stay (anonymous counts for the statistics); their free text goes. A closing keeps
    # its standard reason ("Tilbage i det almene læringsmiljø" is counted by the statistics).
    events = CaseEvent.objects.filter(case__in=cases)
    labels = [str(label) for label in CloseReason.labels]
    for label in labels:
        events.filter(action=CaseEvent.Action.CLOSED, reason__startswith=label).update(reason=label)
    events.exclude(reason="").exclude(action=CaseEvent.Action.CLOSED, reason__in=labels).update(reason="")

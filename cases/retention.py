"""What the cases app removes when a child's data is anonymised (haandguide.retention)."""

from cases.models import (
    Attachment, Case, CaseEvent, CloseReason, Consent, Meeting, Observation, Referral, Underretning,
)


def anonymise_child(child) -> None:
    for attachment in Attachment.objects.filter(observation__child=child):
        attachment.file.delete(save=False)
    Observation.objects.filter(child=child).delete()
    Consent.objects.filter(child=child).delete()
    case = Case.objects.of_child(child)
    if case is None:
        return
    Referral.objects.filter(case=case).delete()
    Meeting.objects.filter(case=case).delete()
    Underretning.objects.filter(case=case).delete()
    # The events stay (anonymous counts for the statistics); their free text goes. A closing keeps
    # its standard reason ("Tilbage i det almene læringsmiljø" is counted by the statistics).
    events = CaseEvent.objects.filter(case=case)
    labels = [str(label) for label in CloseReason.labels]
    for label in labels:
        events.filter(action=CaseEvent.Action.CLOSED, reason__startswith=label).update(reason=label)
    events.exclude(reason="").exclude(action=CaseEvent.Action.CLOSED, reason__in=labels).update(reason="")

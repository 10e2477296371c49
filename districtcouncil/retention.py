"""What the district council app removes when children's data is anonymised (haandguide.retention),
a batch of children at a time.

Submissions and decisions stay as rows (resources granted and deadlines kept are statistics), without
their free text, documents, letters or the handleplan snapshot they carried.
"""

from districtcouncil.models import Decision, Letter, Review, Submission, SubmissionDocument


def anonymise_children(children) -> None:
    submissions = Submission.objects.filter(child__in=children)
    for submission in submissions.exclude(signed_form=""):
        submission.signed_form.delete(save=False)
    for document in SubmissionDocument.objects.filter(submission__in=submissions):
        document.file.delete(save=False)
    SubmissionDocument.objects.filter(submission__in=submissions).delete()
    Review.objects.filter(submission__in=submissions).update(notes="", recommendation="")
    submissions.update(description="", group_description="", snapshot=None, signed_form="", signed_form_name="")
    decisions = Decision.objects.filter(child__in=children)
    Letter.objects.filter(decision__in=decisions).delete()
    decisions.update(goals="", notes="", reassessment_notes="")

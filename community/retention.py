"""What the community app removes when a child's data is anonymised (haandguide.retention).

Runs before the handleplan's anonymiser (apps to the right first): a counsellor's proposal is text
about the child and points at a plan version that goes, so it goes too. TOPI ratings stay as rows
without their reasons (the statistics count the positions); the child leaves its groups and is no
longer named in a group's frozen plan (the snapshot's hash is taken again over what remains)."""

from community.models import CounsellorProposal, GroupPlanSnapshot, TopiRating
from handleplan.models import content_hash


def anonymise_child(child) -> None:
    CounsellorProposal.objects.filter(child=child).delete()
    TopiRating.objects.filter(child=child).erase_text(note="")
    child.child_groups.clear()
    # JSON containment is not portable (SQLite), so the institution's frozen group plans are read.
    for snapshot in GroupPlanSnapshot.objects.filter(plan__group__institution=child.institution_id):
        if not any(c.get("id") == child.pk for c in snapshot.content.get("children", [])):
            continue
        content = {**snapshot.content, "children": [c for c in snapshot.content["children"] if c.get("id") != child.pk]}
        GroupPlanSnapshot.objects.filter(pk=snapshot.pk).erase_text(content=content, content_hash=content_hash(content))

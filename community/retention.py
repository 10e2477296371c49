"""What the community app removes when children's data is anonymised (haandguide.retention), a
batch of children at a time.

Runs before the handleplan's anonymiser (apps to the right first): a counsellor's proposal is text
about the child and points at a plan version that goes, so it goes too. TOPI ratings stay as rows
without their reasons (the statistics count the positions); the child leaves its groups and is no
longer named in a group's frozen plan (the snapshot's hash is taken again over what remains)."""

from community.models import ChildGroup, CounsellorProposal, GroupPlanSnapshot, TopiRating
from handleplan.models import content_hash


def anonymise_children(children) -> None:
    child_ids = {child.pk for child in children}
    CounsellorProposal.objects.filter(child__in=child_ids).delete()
    TopiRating.objects.filter(child__in=child_ids).erase_text(note="")
    ChildGroup.children.through.objects.filter(child__in=child_ids).delete()
    # JSON containment is not portable (SQLite), so the institutions' frozen group plans are read.
    institutions = {child.institution_id for child in children}
    for snapshot in GroupPlanSnapshot.objects.filter(plan__group__institution__in=institutions):
        if not any(c.get("id") in child_ids for c in snapshot.content.get("children", [])):
            continue
        content = {**snapshot.content,
                   "children": [c for c in snapshot.content["children"] if c.get("id") not in child_ids]}
        GroupPlanSnapshot.objects.filter(pk=snapshot.pk).erase_text(content=content, content_hash=content_hash(content))

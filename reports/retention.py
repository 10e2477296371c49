"""What the statistics do when children's data is anonymised (haandguide.retention), a batch of
children at a time. The cases app deletes the batch's observations in one statement, without the
signals that would recompute each child's yellow runs and stale its figures once per observation
(reports.aggregates, reports.cache): with every observation of these children gone, their yellow
runs go too, and their institutions' cached figures are stale, once for the batch."""

from reports import cache
from reports.models import YellowRun


def anonymise_children(children) -> None:
    YellowRun.objects.filter(child_id__in=[child.pk for child in children]).delete()
    for institution in {child.institution_id: child.institution for child in children}.values():
        cache.bump(institution.district.municipality_id, institution.district_id, institution.pk)

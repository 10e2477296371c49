"""The statistics page's scope picker stays small at national size: the municipality, its
districts and the institutions of the district in view; a search finds any other institution."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from haandguide.models import Institution
from reports.scope import PICKER_INSTITUTIONS
from tests import factories

pytestmark = pytest.mark.django_db


def page(kind, pk):
    return reverse("reports:statistics", args=[kind, pk])


@pytest.fixture
def many_institutions(nord, syd):
    """More institutions than the picker lists, most in Syd."""
    Institution.objects.bulk_create([Institution(district=syd, name=f"Børnehus {i:03d}")
                                     for i in range(PICKER_INSTITUTIONS + 20)])
    return Institution.objects.filter(district=syd)


def test_the_picker_lists_the_districts_institutions_not_the_whole_municipality(client_for, chef, municipality,
                                                                                 many_institutions, solsikken, syd):
    client = client_for(chef)
    whole = client.get(page("kommune", municipality.pk)).content.decode()
    assert f'value="distrikt-{syd.pk}"' in whole
    first = many_institutions.get(name="Børnehus 000")
    assert f'value="institution-{first.pk}"' not in whole and "Find institution" in whole
    in_syd = client.get(page("distrikt", syd.pk)).content.decode()
    assert f'value="institution-{first.pk}"' in in_syd and f'value="institution-{solsikken.pk}"' not in in_syd


def test_the_page_does_not_grow_with_the_number_of_institutions(client_for, chef, municipality, nord):
    client = client_for(chef)
    sizes, counts = [], []
    for n in (PICKER_INSTITUTIONS + 1, 3 * PICKER_INSTITUTIONS):
        Institution.objects.bulk_create([Institution(district=nord, name=f"Hus {n}-{i}")
                                         for i in range(n - Institution.objects.count())])
        client.get(page("kommune", municipality.pk))  # both views warm: the picker is what differs
        with CaptureQueriesContext(connection) as context:
            sizes.append(len(client.get(page("kommune", municipality.pk)).content))
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1]
    assert abs(sizes[0] - sizes[1]) < 200


def test_search_finds_institutions_in_scope_a_page_at_a_time(client_for, chef, many_institutions, settings):
    settings.PAGE_SIZE = 25
    other = factories.institution(factories.district(factories.municipality()), name="Børnehus fremmed")
    response = client_for(chef).get(reverse("reports:index"), {"soeg": "børnehus", "fra": "2026-01-01",
                                                                "til": "2026-03-31"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Børnehus 000" in text and "Børnehus 024" in text and "Børnehus 025" not in text
    assert other.name not in text
    assert "fra=2026-01-01" in text and "side=2" in text
    second = client_for(chef).get(reverse("reports:index"), {"soeg": "børnehus", "side": "2"}).content.decode()
    assert "Børnehus 025" in second


def test_search_without_a_match_says_so(client_for, lars):
    response = client_for(lars).get(reverse("reports:index"), {"soeg": "findes ikke"})
    assert "har et navn med" in response.content.decode()


def test_a_scope_of_another_municipality_in_the_picker_gives_the_users_own(client_for, chef, municipality):
    other = factories.institution(factories.district(factories.municipality()))
    response = client_for(chef).get(reverse("reports:index"), {"omraade": f"institution-{other.pk}"})
    assert response.url.startswith(page("kommune", municipality.pk))

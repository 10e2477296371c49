"""Reports: the PDF built by the Celery task, its progress partial, and what the PDF says."""

import datetime
import hashlib
import subprocess

import pytest
import time_machine
from django.utils import timezone
from django.urls import reverse

from reports import services, tasks
from reports.models import Report
from tests.test_reports_data import (  # noqa: F401
    CPH, celery_app_restored, dataset, grants, ladder, plans, submissions, topi, council,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_app_restored")]


@pytest.fixture
def ordered(client_for, chef, municipality, dataset, django_capture_on_commit_callbacks):
    """The head of daycare orders the municipality's report for Q1 2026 (the task runs eagerly)."""
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=CPH), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(chef).post(reverse("reports:report_create", args=["kommune", municipality.pk]),
                                             {"fra": "2026-01-01", "til": "2026-03-31"}, follow=True)
    assert "Rapporten dannes" in response.content.decode()
    return Report.objects.get()


def test_ordered_report_is_built_stored_with_its_hash_and_listed(client_for, chef, ordered, municipality):
    assert (ordered.status, ordered.progress) == (Report.Status.DONE, 100)
    assert ordered.finished_at and ordered.started_at
    pdf = bytes(ordered.pdf)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == ordered.sha256
    body = client_for(chef).get(reverse("reports:statistics", args=["kommune", municipality.pk]),
                                {"fra": "2026-01-01", "til": "2026-03-31"}).content.decode()
    assert reverse("reports:report_download", args=[ordered.pk]) in body


def test_pdf_has_title_period_and_figures_and_renders_its_pages(client_for, chef, ordered, tmp_path):
    response = client_for(chef).get(reverse("reports:report_download", args=[ordered.pk]))
    path = tmp_path / "rapport.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Statistik for dagtilbud" in text and "Haderslev Kommune" in text
    assert "1. januar 2026 – 31. marts 2026" in text
    assert "Andel børn på hvert niveau ved månedens udgang" in text
    assert "Tid på niveau og i gul TOPI-position" in text
    assert "< 5" in text
    assert "Testbarn" not in text  # no names
    # Figures for the whole municipality: 6 up, F stays with median 50 days, grants per type (a
    # municipality's crossing of districts and types is in the CSV).
    assert "Op i alt" in text and "Praksisvejleder" in text
    assert any(line.split()[:5] == ["Forebyggende", "5", "45,0", "50,0", "65,0"] for line in text.splitlines())
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "side")], check=True)
    pages = sorted(tmp_path.glob("side*.png"))
    assert len(pages) >= 2 and all(p.stat().st_size > 0 for p in pages)


def test_building_twice_changes_nothing(ordered):
    assert tasks.build_report.delay(ordered.pk).get() == Report.Status.DONE
    again = Report.objects.get(pk=ordered.pk)
    assert (again.sha256, again.finished_at) == (ordered.sha256, ordered.finished_at)


def test_progress_partial_polls_every_two_seconds_until_the_report_is_done(client_for, chef, municipality):
    report = Report.objects.create(scope_kind="kommune", municipality=municipality, period_start=datetime.date(2026, 1, 1),
                                   period_end=datetime.date(2026, 3, 31), requested_by=chef, progress=60,
                                   status=Report.Status.RUNNING)
    client = client_for(chef)
    body = client.get(reverse("reports:report_status", args=[report.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in body and 'value="60"' in body and "<progress" in body
    assert "style=" not in body
    services.report_build(report.pk)
    body = client.get(reverse("reports:report_status", args=[report.pk])).content.decode()
    assert "hx-get" not in body and reverse("reports:report_download", args=[report.pk]) in body


def test_a_report_that_cannot_be_built_is_marked_failed(client_for, chef, municipality, monkeypatch,
                                                       django_capture_on_commit_callbacks):
    def broken(*args, **kwargs):
        raise ValueError("Pango mangler")

    monkeypatch.setattr(services, "render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(chef).post(reverse("reports:report_create", args=["kommune", municipality.pk]),
                              {"fra": "2026-01-01", "til": "2026-03-31"})
    report = Report.objects.get()
    assert report.status == Report.Status.FAILED and report.pdf is None
    assert client_for(chef).get(reverse("reports:report_download", args=[report.pk])).status_code == 404


def test_sweep_sends_reports_the_queue_lost_again(chef, municipality):
    def report(status, minutes_ago):
        at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
        return Report.objects.create(scope_kind="kommune", municipality=municipality, requested_by=chef,
                                     period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 3, 31),
                                     status=status, created_at=at, started_at=at)

    lost = report(Report.Status.PENDING, 10)
    report(Report.Status.PENDING, 1)  # just ordered: its task is on the way
    stuck = report(Report.Status.RUNNING, 45)
    report(Report.Status.RUNNING, 3)
    assert services.reports_pending_build() == [stuck.pk, lost.pk]
    assert tasks.build_pending_reports.delay().get() == 2
    assert set(Report.objects.filter(status=Report.Status.DONE).values_list("pk", flat=True)) == {lost.pk, stuck.pk}

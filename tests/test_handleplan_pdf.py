"""The printed handleplan: a real PDF with the sections, Danish letters and a masked CPR."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse

from handleplan.models import Handleplan
from handleplan.pdf import render_handleplan_pdf
from tests.test_handleplan import add_effort, as_user, case, evaluate, plan, save  # noqa: F401

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
                                reason="poppler-utils (pdftotext, pdftoppm) is not installed")


def test_the_pdf_has_the_sections_danish_letters_and_a_masked_cpr(plan, alice, alma, tmp_path):
    save(plan, alice, goals_child="Alma øver sig i at sige «må jeg være med?» på legepladsen",
         parents="Forældrene fortæller om en rolig weekend på gården i Æbelø")
    evaluate(add_effort(plan, alice, "Selvregulering/arousal"), alice, seen="Færre konflikter ved måltidet.")
    pdf = render_handleplan_pdf(Handleplan.objects.get(pk=plan.pk))
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "handleplan.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    text = " ".join(text.split())  # table cells wrap; compare words, not line breaks
    for heading in ["Mål", "Tegn", "Indsatser og evalueringer", "Barnets stemme", "Forældrenes perspektiv",
                    "Se mig, som den jeg er", "Vis mig hvem jeg kan blive"]:
        assert heading in text, heading
    assert "Selvregulering/arousal" in text and "delvist nået" in text
    assert "Færre konflikter ved måltidet." in text
    assert "æ" in text and "ø" in text and "å" in text and "Æbelø" in text
    assert alma.masked_cpr in text and alma.cpr not in text.replace("-", "")
    assert "Børnehuset Solsikken" in text

    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path), str(tmp_path / "side")],
                   check=True)
    page = next(tmp_path.glob("side*.png"))
    assert page.stat().st_size > 1000


def test_the_pdf_view_serves_the_pdf_to_staff(client_for, plan, alice, alma):
    response = client_for(alice).get(reverse("handleplan:plan_pdf", args=[alma.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF")


def test_every_pdf_uses_the_one_print_stylesheet_with_its_footer_line(plan, alice, alma):
    """The footer is a running element from the document's HTML; the page number and the layout
    come from templates/includes/print.css, the only print stylesheet (no <style> in a template)."""
    import io
    from pathlib import Path

    from django.conf import settings
    from pypdf import PdfReader

    save(plan, alice)
    pdf = render_handleplan_pdf(Handleplan.objects.get(pk=plan.pk))
    first = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert f"{alma.masked_cpr} · Handleplan version" in first and "Side 1 af" in first
    templates = Path(settings.BASE_DIR) / "templates"
    assert [p.relative_to(templates).as_posix() for p in templates.rglob("*.css")] == ["includes/print.css"]
    assert not [p for p in templates.rglob("*.html") if "<style" in p.read_text()]

"""The child list's rows written in Python (cases/templatetags/child_list.py) are the markup the
template wrote: a link to each child's page, the masked CPR, the age, the institution and the two
badges – with and without a case and a TOPI position, and with a name that needs escaping."""

from django.template import Context, Template
from django.urls import reverse

from haandguide.models import Child
from tests import factories

AS_TEMPLATE = Template("""{% load badges %}{% for child in children %}<tr>
      <td><a href="{% url 'cases:child_detail' child.pk %}">{{ child }}</a></td>
      <td class="cpr">{{ child.masked_cpr }}</td>
      <td>{{ child.age_label }}</td>
      <td>{{ child.institution }}</td>
      <td>{% level_badge child.case_state %}</td>
      <td>{% topi_badge child.latest_topi %}</td>
    </tr>{% if not forloop.last %}
{% endif %}{% endfor %}""")


def test_the_rows_are_the_templates_markup(solsikken, alma):
    factories.child(solsikken, first_name="Ida <b>", last_name="O'Holm & co")
    Child.objects.filter(pk=alma.pk).update(case_state="foregribende", latest_topi="gul")
    children = list(Child.objects.select_related("institution").order_by("pk"))
    rows = Template("{% load child_list %}{% child_rows children %}").render(Context({"children": children}))
    assert rows == AS_TEMPLATE.render(Context({"children": children}))
    assert reverse("cases:child_detail", args=[alma.pk]) in rows and "Ida &lt;b&gt;" in rows
    assert "level-foregribende" in rows and "TOPI gul" in rows and "Ingen sag" in rows


def test_the_list_page_shows_the_rows(client_for, lars, alma):
    body = client_for(lars).get(reverse("cases:child_list")).content.decode()
    assert f'<a href="{reverse("cases:child_detail", args=[alma.pk])}">Alma Jensen</a>' in body

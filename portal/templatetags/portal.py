"""What the staff pages show of the portal, without the lower apps importing it: a leader's decision
page loads `{% portal_letter letter %}` (delivery, read receipts, the "Send til forældreportalen"
button or why it is greyed out)."""

from django import template

from portal import services
from portal.models import LetterDelivery

register = template.Library()


@register.inclusion_tag("portal/includes/letter_status.html", takes_context=True)
def portal_letter(context, decision, letter):
    actor = context["request"].actor
    delivery = (LetterDelivery.objects.filter(letter=letter).select_related("published_by")
                .prefetch_related("receipts__guardian").first())
    refusal = None if delivery else services.publish_letter_refusal(letter, actor=actor)
    custodians = services.letter_custodians(letter) if delivery else []
    read = {r.guardian_id: r for r in delivery.receipts.all()} if delivery else {}
    return {"decision": decision, "letter": letter, "delivery": delivery, "refusal": refusal,
            "receipts": [(g, read.get(g.pk)) for g in custodians], "csrf_token": context.get("csrf_token")}

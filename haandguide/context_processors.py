from django.urls import reverse

from haandguide import roles


def navigation(request):
    """The navigation bar for the user's role: each role sees the entries its work needs."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "who": {}}
    items = [("Forside", reverse("home"))]
    if roles.works_with_children(user):
        items.append(("Børn", reverse("cases:child_list")))
    if roles.serves_institutions(user):
        # Aabenraa's activities, where the municipality uses them (profile flags).
        municipality = user.municipality
        if municipality and municipality.open_counselling_enabled:
            items.append(("Åben rådgivning", reverse("cases:counselling_list")))
        if municipality and municipality.family_groups_enabled:
            items.append(("Familiegrupper", reverse("cases:family_group_list")))
    if roles.serves_institutions(user):
        items.append(("Læringsfællesskab", reverse("community:home")))
    if roles.takes_part_in_councils(user):
        items.append(("Distriktsråd", reverse("districtcouncil:home")))
    if roles.sees_statistics(user):
        items.append(("Statistik", reverse("reports:index")))
    if roles.is_administrator(user):
        items.append(("Mødekalender", reverse("districtcouncil:meeting_series")))
        items.append(("Adgangslog", reverse("accesslog")))
        items.append(("Opbevaring", reverse("retention")))
        items.append(("Administration", reverse("admin:index")))
    current = request.path
    # The longest matching entry is the active one (/boern/familiegrupper/ is not "Børn").
    matches = [url for _, url in items if current == url or (url != "/" and current.startswith(url))]
    active = max(matches, key=len) if matches else None
    return {"nav_items": [{"label": label, "url": url, "active": url == active} for label, url in items],
            "who": roles.flags(user)}

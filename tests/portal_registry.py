"""The parents' portal's URLs with ids, and what each id names (tests/test_portal_access.py walks
them with a parent's session; tests/test_access_matrix.py checks that every portal URL is here)."""

PARENT_REGISTRY: dict[str, dict[str, str]] = {
    "portal:link": {"token": "token"},  # a one-time token, not an object id: tests/test_portal.py
    "portal:child": {"child_pk": "child"},
    "portal:consents": {"child_pk": "child"},
    "portal:consent_give": {"child_pk": "child", "purpose_pk": "purpose"},
    "portal:consent_withdraw": {"child_pk": "child", "consent_pk": "consent"},
    "portal:submission_approve": {"child_pk": "child", "submission_pk": "submission"},
    "portal:perspective": {"child_pk": "child"},
    "portal:letter": {"child_pk": "child", "letter_pk": "letter"},
    "portal:access": {"child_pk": "child"},
}

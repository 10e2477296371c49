"""One way to read an id from a URL, a form or the admin (haandguide.lib.ids.parse_id): it never
raises, and anything but a positive whole number a database column can hold is "no such id"."""

import pytest
from django.urls import reverse

from haandguide.lib.ids import MAX_ID, parse_id


@pytest.mark.parametrize("value, expected", [
    (7, 7), ("7", 7), (" 42 ", 42), ("0042", 42), (str(MAX_ID), MAX_ID),
    (0, None), ("0", None), (-3, None), ("-3", None), ("", None), (None, None), ("12a", None),
    ("²", None), ("٣", None), ("1.0", None), ("1e3", None), (str(MAX_ID + 1), None), ("9" * 40, None),
    (True, None), ("\x00", None), ("1\r", 1),
])
def test_parse_id(value, expected):
    assert parse_id(value) == expected


def test_a_superscript_or_huge_id_in_the_admin_is_no_server_error(client_for, admin_user):
    client = client_for(admin_user)
    for raw in ("²", "9" * 40):
        response = client.get(reverse("admin:cases_familygroup_change", args=[raw]))
        assert response.status_code in (302, 404), raw

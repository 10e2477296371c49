"""Issue 16: the reads every page makes are compiled to SQL once per process
(haandguide/lib/statements.py) and give exactly what the ordinary queryset gives; what cannot be
reused safely is read the ordinary way."""

from __future__ import annotations

import datetime
import logging
from unittest import mock

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext, override_settings

from haandguide.lib.statements import statement
from haandguide.models import Child
from tests import factories


@pytest.fixture
def compiles():
    """How often Django compiled a SELECT."""
    original, counted = SQLCompiler.as_sql, {"n": 0}

    def as_sql(self, *args, **kwargs):
        counted["n"] += 1
        return original(self, *args, **kwargs)

    with mock.patch.object(SQLCompiler, "as_sql", as_sql):
        yield counted


def rows(children):
    return [(c.pk, c.first_name, c.institution.name, c.institution.district.name) for c in children]


@override_settings(STATEMENTS_VERIFY=False)
def test_a_statement_is_compiled_once_and_answers_like_its_queryset(alma, viggo, solsikken, regnbuen, compiles):
    @statement
    def children_of(institution_id):
        return Child.objects.filter(institution_id=institution_id).select_related("institution__district")

    assert rows(children_of(solsikken.pk)) == [(alma.pk, "Alma", solsikken.name, "Nord")]
    first = compiles["n"]
    assert first == 2  # with the arguments, and with them moved (which parameter is which)
    with CaptureQueriesContext(connection) as queries:
        found = children_of(regnbuen.pk)
        assert rows(found) == [(viggo.pk, "Viggo", regnbuen.name, "Syd")]  # related rows came with it
    assert len(queries) == 1 and str(regnbuen.pk) in queries[0]["sql"]
    assert compiles["n"] == first  # the kept SQL, not compiled again
    assert children_of(0) == [] and children_of.first(solsikken.pk) == alma
    assert children_of.first(0) is None


@override_settings(STATEMENTS_VERIFY=False)
def test_a_constant_equal_to_an_argument_stays_a_constant(solsikken):
    """A constant of the shape that happens to equal the first call's argument is not mistaken for it."""
    anna = factories.child(solsikken, first_name="Anna", last_name="Anna")
    bo = factories.child(solsikken, first_name="Bo", last_name="Anna")

    @statement
    def named(first_name):
        return Child.objects.filter(last_name="Anna", first_name=first_name)

    assert named("Anna") == [anna]
    assert named("Bo") == [bo]


@override_settings(STATEMENTS_VERIFY=False)
def test_an_argument_used_twice_fills_both_places(alma, viggo, solsikken):
    @statement
    def by_pk_twice(pk):
        return Child.objects.filter(pk=pk).filter(pk__gte=pk)

    assert by_pk_twice(alma.pk) == [alma]
    assert by_pk_twice(viggo.pk) == [viggo]


@override_settings(STATEMENTS_VERIFY=False)
def test_dates_and_texts_move_with_their_arguments(solsikken, caplog):
    caplog.set_level(logging.INFO, logger="haandguide.lib.statements")
    """(On PostgreSQL the date reaches the SQL as given and is kept; SQLite's adapter turns it into
    text, so there the statement is read the ordinary way: the same answers either way.)"""
    early = factories.child(solsikken, first_name="Tidlig", started_at=datetime.date(2021, 1, 1))
    late = factories.child(solsikken, first_name="Sen", started_at=datetime.date(2023, 6, 1))

    @statement
    def started_since(day, name):
        return Child.objects.filter(started_at__gte=day, first_name=name)

    assert started_since(datetime.date(2020, 1, 1), "Tidlig") == [early]
    assert started_since(datetime.date(2022, 1, 1), "Tidlig") == []
    assert started_since(datetime.date(2022, 1, 1), "Sen") == [late]
    if connection.vendor == "postgresql":
        assert "read the ordinary way" not in caplog.text


@override_settings(STATEMENTS_VERIFY=False)
def test_what_cannot_be_reused_is_read_the_ordinary_way(alma, viggo, solsikken, regnbuen, compiles, caplog):
    caplog.set_level(logging.INFO, logger="haandguide.lib.statements")
    @statement
    def changing_shape(pk):  # the SQL differs with the value: never kept
        return Child.objects.filter(pk=pk) if pk % 2 else Child.objects.filter(pk=pk, first_name__isnull=False)

    assert changing_shape(alma.pk) == [alma] and changing_shape(viggo.pk) == [viggo]
    assert "read the ordinary way" in caplog.text

    @statement
    def maybe(institution_id):
        return Child.objects.filter(institution_id=institution_id)

    assert maybe(None) == []  # None (IS NULL) is never bound to kept SQL
    assert maybe(solsikken.pk) == [alma] and maybe(regnbuen.pk) == [viggo]
    before = compiles["n"]
    maybe(True)  # a bool is not an argument a statement keeps: built and compiled each time
    maybe(True)
    assert compiles["n"] == before + 2


def test_the_suite_verifies_every_kept_statement(alma, viggo):
    """Under STATEMENTS_VERIFY (the test settings) a builder that reads anything but its arguments
    fails loudly instead of answering with the first call's value."""
    hidden = {"name": "Alma"}

    @statement
    def by_hidden_name(pk):
        return Child.objects.filter(pk__gte=pk, first_name=hidden["name"])

    assert by_hidden_name(0) == [alma]
    hidden["name"] = "Viggo"
    with pytest.raises(AssertionError, match="compiled differently"):
        by_hidden_name(0)


@override_settings(STATEMENTS_VERIFY=False)
def test_a_tuple_binds_as_a_scope_compiled_once_per_length(alma, viggo, solsikken, regnbuen, compiles):
    @statement
    def in_institutions(ids):
        return Child.objects.filter(institution__in=ids).order_by("first_name")

    assert in_institutions((solsikken.pk,)) == [alma]
    assert in_institutions((regnbuen.pk,)) == [viggo]
    assert in_institutions((solsikken.pk, regnbuen.pk)) == [alma, viggo]
    assert in_institutions((regnbuen.pk, solsikken.pk)) == [alma, viggo]
    assert compiles["n"] == 4  # lengths 1 and 2, each compiled twice once
    assert in_institutions((solsikken.pk, solsikken.pk)) == [alma]  # a repeat is read the ordinary way
    assert in_institutions(()) == []


@override_settings(STATEMENTS_VERIFY=False)
def test_a_shape_argument_compiles_each_value_once(alma, viggo, solsikken, compiles):
    @statement(shape=1)
    def children(kind, value):
        if kind == "institution":
            return Child.objects.filter(institution_id=value)
        return Child.objects.filter(first_name=value)

    assert children("institution", solsikken.pk) == [alma]
    assert children("name", "Viggo") == [viggo]
    assert children("name", "Alma") == [alma]
    assert children("institution", viggo.institution_id) == [viggo]
    assert compiles["n"] == 4


@override_settings(STATEMENTS_VERIFY=False)
def test_a_statement_counts_its_rows_with_one_kept_count(alma, viggo, solsikken, regnbuen, compiles):
    factories.child(solsikken, first_name="Bo")
    before = compiles["n"]

    @statement
    def children_of(institution_id):
        return Child.objects.filter(institution_id=institution_id).order_by("first_name")

    assert children_of.count(solsikken.pk) == 2
    with CaptureQueriesContext(connection) as queries:
        assert children_of.count(regnbuen.pk) == 1
        assert children_of.count(0) == 0
    assert all("COUNT(*)" in q["sql"] and "ORDER BY" not in q["sql"] for q in queries.captured_queries)
    assert compiles["n"] == before + 2


@override_settings(STATEMENTS_VERIFY=False)
def test_rows_page_like_a_queryset_and_each_window_is_compiled_once(solsikken, compiles, settings):
    from haandguide.lib.pages import page_of
    from haandguide.lib.statements import Rows

    settings.PAGE_SIZE = 2
    for name in ("Ea", "Fie", "Gro", "Hans", "Ib"):
        factories.child(solsikken, first_name=name)

    @statement
    def names_in(institution_id):
        return Child.objects.filter(institution_id=institution_id).order_by("first_name").values_list(
            "first_name", flat=True)

    rows = Rows(names_in, solsikken.pk)
    first = page_of(rows, 1)
    assert list(first.object_list) == ["Ea", "Fie"] and first.paginator.count == 5 and first.has_next()
    assert list(page_of(rows, 3).object_list) == ["Ib"]
    assert list(page_of(rows, "x").object_list) == ["Ea", "Fie"]  # a bad number: the first page
    before = compiles["n"]
    assert list(page_of(Rows(names_in, solsikken.pk), 2).object_list) == ["Gro", "Hans"]
    assert compiles["n"] == before + 2  # the count is kept; page 2's window is new


@override_settings(STATEMENTS_VERIFY=False)
def test_beyond_the_kept_shapes_a_statement_is_read_the_ordinary_way(alma, solsikken, compiles, monkeypatch):
    from haandguide.lib import statements

    monkeypatch.setattr(statements, "MAX_SHAPES", 2)

    @statement(shape=1)
    def limited(first, institution_id):
        return Child.objects.filter(institution_id=institution_id).order_by("pk")[:first]

    for first in (1, 2, 3, 4):
        assert limited(first, solsikken.pk) == [alma]
    assert len(limited.compiled) == 2
    before = compiles["n"]
    assert limited(4, solsikken.pk) == [alma]
    assert compiles["n"] == before + 1  # built and compiled once, the ordinary way


def test_an_empty_scope_counts_nothing_without_asking(alma, solsikken):
    @statement
    def in_institutions(ids):
        return Child.objects.filter(institution__in=ids)

    with CaptureQueriesContext(connection) as queries:
        assert in_institutions.count(()) == 0 and in_institutions(()) == []
    assert len(queries) == 0
    assert in_institutions.count((solsikken.pk,)) == 1

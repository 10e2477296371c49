"""Statements: the reads every page makes, compiled to SQL once per process.

At national size the database answers a staff page's indexed reads in about 0.1 ms each; what a
read costs is Django building the queryset and compiling it (joins, select_related columns,
ordering, converters): 0.3-0.6 ms a query, half of the child page's time (issue 16). A statement
is a queryset whose shape never changes and whose changing values are its arguments:

    @statement
    def case_events(case_id):
        return CaseEvent.objects.filter(case_id=case_id).select_related("actor").order_by("-at")[:30]

    case_events(case.pk)          # a list of CaseEvent, each with its actor
    case_events.first(case.pk)    # the first row or None

The first call in a process builds and compiles the queryset twice, once with the arguments and
once with each argument moved (an int by an odd number, a text by a suffix, a date by days): the
positions whose parameter moved with an argument are that argument's; every other parameter is a
constant of the shape. Later calls skip building and compiling: the SQL is reused with the new
arguments in their positions, and Django turns the rows into model objects as usual.

The rules a statement keeps, checked rather than trusted:
- the builder is a function of its arguments only (no clock, no request); the test suite runs with
  `STATEMENTS_VERIFY`, which builds and compiles every call normally too and fails on any
  difference;
- the arguments are ints, texts, dates or datetimes that reach the SQL unchanged. An argument
  that does not (None, a list, a bool, a value the database adapter converts, a shape that changes
  with the value) is not reused: that call, or that statement for the process, is read the
  ordinary way, so the answer is always the same, only not faster.
"""

from __future__ import annotations

import copy
import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import update_wrapper
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

logger = logging.getLogger(__name__)

_UNREUSABLE = object()


@dataclass(frozen=True)
class _Compiled:
    template: QuerySet
    compiler: Any
    sql: str
    slots: tuple  # per SQL parameter: ("arg", index) or ("const", value)


def _moved(value, index: int):
    """`value` moved so it differs from every other argument's moved value (None if unsupported)."""
    kind = type(value)
    if kind is int:
        return value + 7919 * (index + 1)
    if kind is str:
        return f"{value}\x1fstatement{index}"
    if kind is datetime.datetime:
        return value + datetime.timedelta(microseconds=index + 1)
    if kind is datetime.date:
        return value + datetime.timedelta(days=index + 1)
    return None


def _same(parameter, argument) -> bool:
    return type(parameter) is type(argument) and parameter == argument


class Statement:
    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self.compiled: dict[str, _Compiled | object] = {}  # per database alias
        update_wrapper(self, build)

    def __call__(self, *args) -> list:
        return list(self._queryset(*args))

    def first(self, *args):
        rows = self(*args)
        return rows[0] if rows else None

    def _queryset(self, *args) -> QuerySet:
        """The queryset with the kept SQL bound to `args`: evaluated here only, never refined (a
        filter on it would run the kept SQL)."""
        moved = [_moved(a, i) for i, a in enumerate(args)]
        if any(m is None for m in moved):
            return self.build(*args)
        alias = self.build(*args).db if not self.compiled else next(iter(self.compiled))
        compiled = self.compiled.get(alias)
        if compiled is None:
            compiled = self.compiled[alias] = self._compile(args, moved)
        if compiled is _UNREUSABLE:
            return self.build(*args)
        params = tuple(args[v] if kind == "arg" else v for kind, v in compiled.slots)
        if getattr(settings, "STATEMENTS_VERIFY", False):
            self._verify(compiled, args, params)
        return _bound(compiled, alias, params)

    def _compile(self, args, moved) -> _Compiled | object:
        queryset = self.build(*args)
        try:
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            moved_sql, moved_params = self.build(*moved).query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:
            return self._unreusable("an argument empties the query")
        if sql != moved_sql or len(params) != len(moved_params):
            return self._unreusable("the SQL changes with the arguments")
        slots = []
        for parameter, moved_parameter in zip(params, moved_params):
            if _same(parameter, moved_parameter):
                slots.append(("const", parameter))
                continue
            owners = [i for i, m in enumerate(moved) if _same(moved_parameter, m)]
            if len(owners) != 1 or not _same(parameter, args[owners[0]]):
                return self._unreusable("a parameter is not an argument as given")
            slots.append(("arg", owners[0]))
        template = queryset._chain()
        return _Compiled(template=template, compiler=compiler, sql=sql, slots=tuple(slots))

    def _unreusable(self, why: str) -> object:
        logger.warning("statement %s is read the ordinary way: %s", self.build.__qualname__, why)
        return _UNREUSABLE

    def _verify(self, compiled: _Compiled, args, params) -> None:
        queryset = self.build(*args)
        expected = queryset.query.get_compiler(using=queryset.db).as_sql()
        if expected != (compiled.sql, params):
            raise AssertionError(f"statement {self.build.__qualname__} compiled differently for {args!r}: "
                                 f"{expected!r} != {(compiled.sql, params)!r}")


def _bound(compiled: _Compiled, alias: str, params: tuple) -> QuerySet:
    """A fresh copy of the template whose compiler answers with the kept SQL and `params`."""
    compiler = copy.copy(compiled.compiler)
    compiler.connection = connections[alias]
    sql = compiled.sql
    compiler.as_sql = lambda *args, **kwargs: (sql, params)
    queryset = compiled.template._chain()
    queryset.query.get_compiler = lambda *args, **kwargs: compiler
    return queryset


def statement(build: Callable[..., QuerySet]) -> Statement:
    """Decorator: `build(*args)` becomes a statement (see the module's docstring)."""
    return Statement(build)

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
    case_events.count(case.pk)    # how many (a COUNT, compiled once too)

The first call in a process builds and compiles the queryset twice, once with the arguments and
once with each argument moved (an int by an odd number, a text by a suffix, a date by days): the
positions whose parameter moved with an argument are that argument's; every other parameter is a
constant of the shape. Later calls skip building and compiling: the SQL is reused with the new
arguments in their positions, and Django turns the rows into model objects as usual.

Scopes are lists: a tuple of distinct values binds as one argument (`institution_id__in=ids`), and
its length is part of the shape (compiled once per length). Arguments that choose the shape rather
than fill it (the kind of a user's scope) are named up front: `@statement(shape=1)` compiles once
for each value of the first argument and never binds it.

The rules a statement keeps, checked rather than trusted:
- the builder is a function of its arguments only (no clock, no request); the test suite runs with
  `STATEMENTS_VERIFY`, which builds and compiles every call normally too and fails on any
  difference;
- the bound arguments are ints, texts, dates or datetimes (or tuples of distinct ones) that reach
  the SQL unchanged. An argument that does not (None, a list, a bool, a value the database
  adapter converts, a shape that changes with the value) is not reused: that call, or that shape
  for the process, is read the ordinary way, so the answer is always the same, only not faster.
"""

from __future__ import annotations

import copy
import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, update_wrapper
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, QuerySet, Value

logger = logging.getLogger(__name__)

_UNREUSABLE = object()


@dataclass(frozen=True)
class _Compiled:
    template: QuerySet
    compiler: Any
    sql: str
    slots: tuple  # per SQL parameter: ("arg", index into the flattened arguments) or ("const", value)


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


def _flat(args) -> tuple[list, tuple] | None:
    """The bound arguments as one list of values, and their layout (None for a value, the length
    for a tuple); None if an argument is of a kind a statement does not bind."""
    values, layout = [], []
    for arg in args:
        if type(arg) is tuple:
            if len(set(arg)) != len(arg):  # Django drops repeats from IN (...): the shape would change
                return None
            values.extend(arg)
            layout.append(len(arg))
        else:
            values.append(arg)
            layout.append(None)
    if any(_moved(v, 0) is None for v in values):
        return None
    return values, tuple(layout)


def _unflat(values: list, layout: tuple) -> list:
    args, at = [], 0
    for length in layout:
        if length is None:
            args.append(values[at])
            at += 1
        else:
            args.append(tuple(values[at:at + length]))
            at += length
    return args


MAX_SHAPES = 32  # per statement: shape arguments and tuple lengths beyond this are read the ordinary way


class Statement:
    def __init__(self, build: Callable[..., QuerySet], shape: int = 0):
        self.build = build
        self.shape = shape  # how many leading arguments choose the shape (compiled once per value)
        self.compiled: dict[tuple, _Compiled | object] = {}
        update_wrapper(self, build)

    def __call__(self, *args) -> list:
        return list(self._queryset(*args))

    def first(self, *args):
        rows = self(*args)
        return rows[0] if rows else None

    def count(self, *args) -> int:
        """How many rows the statement has (one COUNT, itself compiled once)."""
        counted = self._counting(*args)
        return counted[0] if counted else 0  # a query Django knows is empty (IN ()) is not run at all

    def sliced(self, start: int, stop: int, *args) -> list:
        """Rows start to stop (an OFFSET and LIMIT: compiled once per window, up to MAX_SHAPES)."""
        return self._slicing(start, stop, *args)

    @cached_property
    def _counting(self) -> Statement:
        build = self.build
        return self._derived("count", lambda *args: build(*args).order_by().values(one=Value(1))
                             .annotate(n=Count("*")).values_list("n", flat=True))

    @cached_property
    def _slicing(self) -> Statement:
        build = self.build
        return self._derived("sliced", lambda start, stop, *args: build(*args)[start:stop], windowed=True)

    def _derived(self, name: str, build: Callable[..., QuerySet], windowed: bool = False) -> Statement:
        """A statement over this one's queryset (its count, a window of it), kept like any other;
        a window's start and stop choose its shape."""
        build.__qualname__ = f"{self.build.__qualname__}.{name}"
        return Statement(build, self.shape + (2 if windowed else 0))

    def _queryset(self, *args) -> QuerySet:
        """The queryset with the kept SQL bound to `args`: evaluated here only, never refined (a
        filter on it would run the kept SQL)."""
        shape, bound = args[:self.shape], args[self.shape:]
        flat = _flat(bound)
        if flat is None:
            return self.build(*args)
        values, layout = flat
        key = (shape, layout)
        compiled = self.compiled.get(key)
        if compiled is None:
            if len(self.compiled) >= MAX_SHAPES:  # kept enough shapes: the rest are read the ordinary way
                return self.build(*args)
            compiled = self.compiled[key] = self._compile(shape, bound, values, layout)
        if compiled is _UNREUSABLE:
            return self.build(*args)
        params = tuple(values[v] if kind == "arg" else v for kind, v in compiled.slots)
        if getattr(settings, "STATEMENTS_VERIFY", False):
            self._verify(compiled, args, params)
        return _bound(compiled, params)

    def _compile(self, shape, args, values, layout) -> _Compiled | object:
        moved = [_moved(v, i) for i, v in enumerate(values)]
        queryset = self.build(*shape, *args)
        try:
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            moved_queryset = self.build(*shape, *_unflat(moved, layout))
            moved_sql, moved_params = moved_queryset.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:  # a scope of nothing (a role without one): nothing to compile, nothing read
            return _UNREUSABLE
        if sql != moved_sql or len(params) != len(moved_params):
            return self._unreusable("the SQL changes with the arguments", queryset.db)
        slots = []
        for parameter, moved_parameter in zip(params, moved_params):
            if _same(parameter, moved_parameter):
                slots.append(("const", parameter))
                continue
            owners = [i for i, m in enumerate(moved) if _same(moved_parameter, m)]
            if len(owners) != 1 or not _same(parameter, values[owners[0]]):
                return self._unreusable("a parameter is not an argument as given", queryset.db)
            slots.append(("arg", owners[0]))
        return _Compiled(template=queryset._chain(), compiler=compiler, sql=sql, slots=tuple(slots))

    def _unreusable(self, why: str, alias: str) -> object:
        # On SQLite (the embedded default) dates and datetimes reach the SQL as text by design: said
        # quietly there. On PostgreSQL a statement that cannot be reused is a mistake to see.
        level = logging.INFO if connections[alias].vendor == "sqlite" else logging.WARNING
        logger.log(level, "statement %s is read the ordinary way: %s", self.build.__qualname__, why)
        return _UNREUSABLE

    def _verify(self, compiled: _Compiled, args, params) -> None:
        queryset = self.build(*args)
        expected = queryset.query.get_compiler(using=queryset.db).as_sql()
        if expected != (compiled.sql, params):
            raise AssertionError(f"statement {self.build.__qualname__} compiled differently for {args!r}: "
                                 f"{expected!r} != {(compiled.sql, params)!r}")


class Rows:
    """A statement's rows as Django's Paginator reads a queryset: `count()` and one slice, each a
    kept statement (haandguide.lib.pages.page_of takes it like a queryset)."""

    def __init__(self, statement: Statement, *args):
        self.statement, self.args = statement, args

    def count(self) -> int:
        return self.statement.count(*self.args)

    def __getitem__(self, window: slice) -> list:
        return self.statement.sliced(window.start or 0, window.stop, *self.args)


def _bound(compiled: _Compiled, params: tuple) -> QuerySet:
    """A fresh copy of the template whose compiler answers with the kept SQL and `params`."""
    compiler = copy.copy(compiled.compiler)
    compiler.connection = connections[compiled.compiler.using]
    sql = compiled.sql
    compiler.as_sql = lambda *args, **kwargs: (sql, params)
    queryset = compiled.template._chain()
    queryset.query.get_compiler = lambda *args, **kwargs: compiler
    return queryset


def statement(build: Callable[..., QuerySet] | None = None, *, shape: int = 0):
    """Decorator: `build(*args)` becomes a statement (see the module's docstring). `shape=n`: the
    first n arguments choose the query's shape (a scope's kind, a role) and are never bound as
    parameters; each value is compiled once."""
    if build is None:
        return lambda build: Statement(build, shape)
    return Statement(build, shape)

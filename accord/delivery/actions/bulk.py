"""Plain bulk INSERT and UPDATE by primary key: one prepared statement run with executemany.

Django's bulk_create and bulk_update build a statement per batch with every value passed through
the expression machinery (bulk_update as one CASE WHEN per column), which costs more than the
database's own work at a million rows. These write the same column values the ORM would: each
value goes through its field's get_db_prep_save, except for field types whose value the driver
takes as it is. Callers give model field attnames (`work_item_id`), as upsert_records does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models, transaction

CHUNK = 5000
_PG_PARAMETERS = 30_000  # per multi-row INSERT; PostgreSQL's limit is 65 535
# Field types whose values the database drivers take as they are, or after a cheap coercion
# that matches what the field's get_prep_value does (to_python for text, int() for integers).
_AS_IS = frozenset({"AutoField", "BigAutoField", "BooleanField", "ForeignKey"})
_TEXT = frozenset({"CharField", "SlugField", "TextField", "URLField", "EmailField"})
_INTEGER = frozenset(
    {
        "BigIntegerField",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
    }
)


def _text(value: Any) -> Any:
    return value if value is None or type(value) is str else str(value)


def _integer(value: Any) -> Any:
    return value if value is None or type(value) is int else int(value)


def _datetime_for(vendor: str) -> Callable[[Any], Any]:
    """An aware datetime as the backend's adapt_datetimefield_value gives it (USE_TZ is on):
    PostgreSQL takes it as it is, SQLite as text in the connection's zone without an offset."""
    if vendor == "postgresql":
        return _datetime_as_is
    zone = connection.timezone

    def as_text(value: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return str(value.astimezone(zone).replace(tzinfo=None))
        return connection.ops.adapt_datetimefield_value(value)

    return as_text


def _datetime_as_is(value: Any) -> Any:
    if value is None or (isinstance(value, dt.datetime) and value.tzinfo is not None):
        return value
    return connection.ops.adapt_datetimefield_value(value)


def _preparer(field: models.Field) -> Callable[[Any], Any] | None:
    """How a value of this field becomes a query parameter; None when it is passed as is."""
    kind = field.get_internal_type()
    if kind in _AS_IS:
        return None
    if kind in _TEXT:
        return _text
    if kind in _INTEGER:
        return _integer
    if kind == "DateTimeField" and connection.vendor in ("sqlite", "postgresql"):
        return _datetime_for(connection.vendor)

    def prepare(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    return prepare


def _columns(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in names]


def _params(fields: Sequence[models.Field], rows: Iterable[Sequence[Any]]) -> Iterable[list[Any]]:
    preparers = [_preparer(f) for f in fields]
    plain = all(p is None for p in preparers)
    for row in rows:
        if plain:
            yield list(row)
        else:
            yield [v if p is None else p(v) for p, v in zip(preparers, row, strict=True)]


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT rows given as {attname: value}; columns a row lacks take the field's default."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    missing = [f.attname for f in fields if f.attname not in rows[0]]
    quote = connection.ops.quote_name
    # Table and column names come from the model, quoted; values are parameters.
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
        quote(model._meta.db_table), ", ".join(quote(str(f.column)) for f in fields)
    )
    one = "({})".format(", ".join(["%s"] * len(fields)))
    names = [f.attname for f in fields]

    def values(row: Mapping[str, Any]) -> list[Any]:
        if missing or len(row) != len(names):
            return [row[n] if n in row else _fresh_default(defaults[n]) for n in names]
        return [row[n] for n in names]

    # One transaction (a savepoint inside the caller's): all rows or none, and SQLite in
    # autocommit would otherwise commit, and sync to disk, row by row.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # SQLite runs a prepared statement per row fast
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                cursor.executemany(head + one, list(_params(fields, (values(r) for r in chunk))))
            return
        # PostgreSQL: a round trip per row is the cost, so many rows per statement.
        per = max(1, _PG_PARAMETERS // len(fields))
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            flat = [v for row in _params(fields, (values(r) for r in chunk)) for v in row]
            cursor.execute(head + ", ".join([one] * len(chunk)), flat)


def _fresh_default(value: Any) -> Any:
    # A mutable default (JSONField's list) must not be shared between rows.
    return type(value)() if isinstance(value, list | dict) and not value else value


def update_rows(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """UPDATE … SET names WHERE pk, for rows given as (pk, *values in the order of names)."""
    fields = _columns(model, names)
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(f"{quote(str(f.column))} = %s" for f in fields),
        quote(str(model._meta.pk.column)),
    )
    preparers = [_preparer(f) for f in fields]
    done = 0
    batch: list[list[Any]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for pk, *values in rows:
            batch.append(
                [v if p is None else p(v) for p, v in zip(preparers, values, strict=True)] + [pk]
            )
            if len(batch) == CHUNK:
                cursor.executemany(sql, batch)
                done += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            done += len(batch)
    return done

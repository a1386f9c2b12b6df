"""Plain bulk INSERT and UPDATE by primary key: one prepared statement run with executemany.

Django's bulk_create and bulk_update build a statement per batch with every value passed through
the expression machinery (bulk_update as one CASE WHEN per column), which costs more than the
database's own work at a million rows. These write the same column values the ORM would: each
value goes through its field's get_db_prep_save, except for field types whose value the driver
takes as it is. Callers give model field attnames (`work_item_id`), as upsert_records does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.db import connection, connections, models, transaction

CHUNK = 5000
_LARGE_CACHE_KIB = 131_072  # SQLite's default is 2 MiB
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
        if value is None:
            return None
        if type(value) is dt.datetime and value.tzinfo is zone is dt.UTC:
            return str(value)[:-6]  # "… 09:00:00.123000+00:00" without the offset, faster
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

    real = connections[connection.alias]  # not the proxy, looked up again for every value

    def prepare(value: Any) -> Any:
        return field.get_db_prep_save(value, real)

    return prepare


def _columns(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in names]


# Field types whose stored value, read back by the driver, equals the prepared parameter of an
# equal value (datetimes: SQLite's text is what the preparer writes, PostgreSQL's is aware).
_RAW_COMPARABLE = _AS_IS | _TEXT | _INTEGER | {"DateTimeField"}


def raw_comparable(model: type[models.Model], names: Sequence[str]) -> bool:
    """Whether stored rows of these columns can be compared as the driver returns them with
    prepared parameters, skipping the ORM's conversion of every value read."""
    return connection.vendor in ("sqlite", "postgresql") and all(
        f.get_internal_type() in _RAW_COMPARABLE for f in _columns(model, names)
    )


def row_preparer(
    model: type[models.Model], names: Sequence[str]
) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function turning values (in the order of names) into query parameters."""
    preparers = [_preparer(f) for f in _columns(model, names)]
    # Text is checked inline: a million rows of values that are text already, as is the rule.
    texts = [n for n, p in enumerate(preparers) if p is _text]
    steps = [(n, p) for n, p in enumerate(preparers) if p is not None and p is not _text]
    if not steps and not texts:
        return tuple

    def prepare(values: Sequence[Any]) -> tuple[Any, ...]:
        out = list(values)
        for n in texts:
            value = out[n]
            if value is not None and type(value) is not str:
                out[n] = str(value)
        for n, step in steps:
            out[n] = step(out[n])
        return tuple(out)

    return prepare


def stored_values(
    model: type[models.Model], *, data_source_id: int, keys: Sequence[str], names: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """external_id → (pk, *columns as the driver returns them) of stored rows among keys."""
    quote = connection.ops.quote_name
    sqlite = connection.vendor == "sqlite"

    def column(field: models.Field) -> str:
        name = quote(str(field.column))
        # SQLite's driver would parse the text into a naive datetime (Django registers a
        # converter for the declared type); as an expression it stays the text that was written.
        if sqlite and field.get_internal_type() == "DateTimeField":
            return f"CAST({name} AS TEXT)"
        return name

    columns = ", ".join(column(f) for f in _columns(model, names))
    params: list[Any]
    if connection.vendor == "postgresql":
        where, params = "= ANY(%s)", [data_source_id, list(keys)]
    else:
        where, params = "IN ({})".format(", ".join(["%s"] * len(keys))), [data_source_id, *keys]
    # Names come from the model, quoted; values are parameters.
    sql = "SELECT {}, {}, {} FROM {} WHERE {} = %s AND {} {}".format(  # noqa: S608
        quote(str(model._meta.pk.column)),
        quote("external_id"),
        columns,
        quote(model._meta.db_table),
        quote("data_source_id"),
        quote("external_id"),
        where,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[1]: (row[0], *row[2:]) for row in cursor.fetchall()}


def stored_datetime(value: Any) -> Any:
    """A value read by stored_values as an aware datetime if it is one stored as SQLite's text
    (the change window needs old event times); anything else as it is."""
    if isinstance(value, str) and connection.vendor == "sqlite":
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=connection.timezone)
    return value


def insert_prepared(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT rows of prepared parameters (row_preparer) into the columns of names (attnames);
    the other columns take their field's default."""
    if not rows:
        return
    fields = _columns(model, names)
    others = [f for f in model._meta.concrete_fields if not f.primary_key and f not in fields]
    if others:
        defaults = tuple(
            f.get_default() if p is None else p(f.get_default())
            for f, p in ((f, _preparer(f)) for f in others)
        )
        fields += others
        rows = [(*row, *defaults) for row in rows]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(str(f.column)) for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one command: no statement per row or per few hundred.
            # Errors (a duplicate key) come out as Django's, IntegrityError and the like.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        # Table and column names come from the model, quoted; values are parameters.
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
            table, columns, ", ".join(["%s"] * len(fields))
        )
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(sql, rows[start : start + CHUNK])


def update_prepared(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """UPDATE … SET names WHERE pk for rows of (*prepared parameters, pk)."""
    fields = _columns(model, names)
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(f"{quote(str(f.column))} = %s" for f in fields),
        quote(str(model._meta.pk.column)),
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(sql, rows[start : start + CHUNK])


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT rows given as {attname: value}; columns a row lacks take the field's default."""
    if not rows:
        return
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in model._meta.concrete_fields}
    prepare = row_preparer(model, names)
    insert_prepared(
        model,
        names,
        [
            prepare([row[n] if n in row else _fresh_default(defaults[n]) for n in names])
            for row in rows
        ],
    )


def analyze(*tables: type[models.Model]) -> None:
    """Refresh PostgreSQL's statistics of tables a large import just filled: planned with the
    row counts autovacuum last saw (none, if it is off), the next import's lookups by key
    scan the whole source instead of probing the unique index, ~200 ms per 1 000 keys."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


@contextlib.contextmanager
def large_write() -> Iterator[None]:
    """A larger page cache on SQLite while a large import runs (index pages of a million rows
    stay in memory instead of being read again), restored after. Durability is unchanged."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-_LARGE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _fresh_default(value: Any) -> Any:
    # A mutable default (JSONField's list) must not be shared between rows.
    return type(value)() if isinstance(value, list | dict) and not value else value


def update_rows(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """UPDATE … SET names WHERE pk, for rows given as (pk, *values in the order of names)."""
    prepare = row_preparer(model, names)
    prepared = [(*prepare(values), pk) for pk, *values in rows]
    if prepared:
        update_prepared(model, names, prepared)
    return len(prepared)

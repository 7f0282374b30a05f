"""Reading several small querysets in one round trip.

    read_together(qs1, qs2, …) -> [rows1, rows2, …]     each a list of tuples (values_list)

On PostgreSQL the statements go to the server as one message and come back as one result set
each: a page's handful of small reads (the filter bar's options, a list's names) stop paying a
round trip and a cursor each (~0.5 ms apiece on the 2-core host). On other databases they run one
after another, as they would have anyway.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable


def one_message() -> bool:
    """Whether several statements may go to the database as one message: PostgreSQL with
    client-side binding (Django's default); with server-side binding a message holds one."""
    return connection.vendor == "postgresql" and not connection.settings_dict.get("OPTIONS", {}).get(
        "server_side_binding"
    )


def read_together(*querysets: QuerySet) -> list[list[tuple[Any, ...]]]:
    """The rows of each values_list queryset (not flat, not named), in order. An empty queryset
    (none(), or a filter on an empty list) reads as no rows without a statement. Values come as
    the driver returns them, without Django's field converters: for ids, names and numbers, not
    for dates on SQLite or encrypted fields."""
    compiled: list[tuple[int, str, tuple[Any, ...], int]] = []
    results: list[list[tuple[Any, ...]]] = [[] for _ in querysets]
    for index, queryset in enumerate(querysets):
        if queryset._iterable_class is not ValuesListIterable or queryset.db != connection.alias:
            raise TypeError("read_together reads values_list(…) querysets of the default database")
        compiler = queryset.query.get_compiler(queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            continue
        # as_sql may add columns the caller did not ask for (an ordering under distinct())
        compiled.append((index, sql, tuple(params), compiler.col_count))
    if not compiled:
        return results
    with connection.cursor() as cursor:
        if len(compiled) > 1 and one_message():
            cursor.execute(
                "; ".join(sql for _, sql, _, _ in compiled), [p for _, _, ps, _ in compiled for p in ps]
            )
            for position, (index, _, _, width) in enumerate(compiled):
                if position:
                    cursor.nextset()
                results[index] = [tuple(row[:width]) for row in cursor.fetchall()]
        else:
            for index, sql, params, width in compiled:
                cursor.execute(sql, params)
                results[index] = [tuple(row[:width]) for row in cursor.fetchall()]
    return results

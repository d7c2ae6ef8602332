"""A hot queryset's SQL built once and reused with new parameter values.

The ORM builds and compiles a query's SQL on every call, and for a one-row lookup by key that costs more CPU than
running it (here an order found by its number: ~0.3 ms of CPU through `get()`, ~0.1 ms for the same statement
run by hand), on paths every payment takes several times (the pay link, each notify, the poll). A `Prepared`
keeps what the ORM compiled, per database and per shape of its arguments, and runs it again with the new values
in place of the ones it was compiled with; the rows are converted by that same compiler (Decimal, aware
datetimes) and model instances made with `Model.from_db`, as iterating the queryset would. The ORM still writes
every statement: nothing here is SQL by hand.

The values are found among the compiled parameters by markers no real argument has (negative integers, strings
with a NUL), so a query must take each argument as a parameter exactly once: building it asserts that."""
from itertools import count

from django.db import connection

# A list argument longer than this is not cached (its statement compiled each time): the cache stays bounded.
MAX_LIST = 64


class Prepared:
    """`build(*args)` -> a queryset whose arguments are ints, strs or lists of ints; `rows(*args)` are its rows
    converted as the ORM converts them (a values_list queryset), `instances(*args)` its model instances (a plain
    model queryset: no values(), select_related() or annotations)."""

    def __init__(self, build):
        self.build = build
        self._compiled: dict[tuple, tuple] = {}

    def rows(self, *args) -> list:
        compiler, sql, params = self._statement(args)
        return list(compiler.results_iter(results=[_fetch(sql, params)], tuple_expected=True))

    def instances(self, *args) -> list:
        compiler, sql, params = self._statement(args)
        klass_info = compiler.klass_info
        if not klass_info or klass_info.get("related_klass_infos") or compiler.annotation_col_map:
            raise TypeError("instances() takes a plain model queryset")
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in compiler.select[start:end]]
        model, alias = klass_info["model"], connection.alias
        return [model.from_db(alias, names, row[start:end])
                for row in compiler.results_iter(results=[_fetch(sql, params)])]

    def _statement(self, args) -> tuple:
        shape = tuple(len(a) if isinstance(a, list) else type(a).__name__ for a in args)
        if any(isinstance(n, int) and n > MAX_LIST for n in shape):
            compiler = self.build(*args).query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            return compiler, sql, params
        key = (connection.alias, connection.vendor, shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(args)
        compiler, sql, params, slots = compiled
        params = list(params)
        flat = [value for a in args for value in (a if isinstance(a, list) else [a])]
        for position, index in slots:
            params[position] = flat[index]
        return compiler, sql, params

    def _compile(self, args) -> tuple:
        markers, numbers = [], count(1)
        for a in args:
            if isinstance(a, list):
                markers.append([-next(numbers) for _ in a])
            elif isinstance(a, int):
                markers.append(-next(numbers))
            elif isinstance(a, str):
                markers.append(f"\0prepared-{next(numbers)}")
            else:
                raise TypeError(f"a prepared query takes ints, strs and lists of ints, not {type(a).__name__}")
        flat = [m for a in markers for m in (a if isinstance(a, list) else [a])]
        index_of = {m: i for i, m in enumerate(flat)}
        compiler = self.build(*markers).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = [(position, index_of[p]) for position, p in enumerate(params)
                 if type(p) in (int, str) and p in index_of]
        if sorted(index for _, index in slots) != list(range(len(flat))):
            raise ValueError("each argument must be one parameter of the query, once")
        return compiler, sql, list(params), slots


def _fetch(sql: str, params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()

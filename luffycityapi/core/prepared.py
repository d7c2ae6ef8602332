"""A hot queryset's SQL built once and reused with new parameter values.

The ORM builds and compiles a query's SQL on every call, and for a one-row lookup by key that costs more CPU than
running it (here an order found by its number: ~0.3 ms of CPU through `get()`, ~0.1 ms for the same statement
run by hand), on paths every payment takes several times (the pay link, each notify, the poll). A `Prepared`
keeps what the ORM compiled, per database and per shape of its arguments, and runs it again with the new values
in place of the ones it was compiled with; the rows are converted by that same compiler (Decimal, aware
datetimes) and model instances made with `Model.from_db`, as iterating the queryset would. The ORM still writes
every statement: nothing here is SQL by hand.

The values are found among the compiled parameters by markers no real argument has (negative integers, strings
with a NUL), so a query must take each argument as a parameter exactly once: building it asserts that. An UPDATE's
new values are compiled as such markers too, and each run puts in the value its field prepares for the database,
as `QuerySet.update()` does."""
from dataclasses import dataclass
from itertools import count

from django.db import connection, transaction
from django.db.models import Value
from django.db.models.query import get_related_populators
from django.db.models.sql import InsertQuery, UpdateQuery
from django.db.transaction import TransactionManagementError

# A list argument longer than this is not cached (its statement compiled each time): the cache stays bounded.
MAX_LIST = 64


class Prepared:
    """`build(*args)` -> a queryset whose arguments are ints, strs or lists of ints; `rows(*args)` are its rows
    converted as the ORM converts them (a values_list queryset), `instances(*args)` its model instances (a model
    queryset, with select_related() and select_for_update() if wanted; no values() or annotations), `get(*args)`
    the one instance as `QuerySet.get()` answers, and
    `update(*args, **values)` sets fields of its rows as `QuerySet.update(**values)` does; `statement(*args)` is
    its SQL and parameters, for use as a subquery."""

    def __init__(self, build):
        self.build = build
        self._compiled: dict[tuple, tuple] = {}

    def rows(self, *args) -> list:
        compiler, sql, params, _, reading = self._statement(args)
        return [tuple(row) for row in _converted(compiler, reading, _fetch(sql, params))]

    def instances(self, *args) -> list:
        compiler, sql, params, plan, reading = self._statement(args)
        if plan is None:
            raise TypeError("instances() takes a model queryset (no values() or annotations)")
        if (compiler.query.select_for_update and connection.features.has_select_for_update
                and connection.get_autocommit()):
            # the check the ORM makes when it compiles, made again for each run of the compiled statement
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        model, names, start, end, populators = plan
        alias = connection.alias
        found = []
        # as ModelIterable makes them: the model's own columns, then each select_related() object from its columns
        for row in _converted(compiler, reading, _fetch(sql, params)):
            instance = model.from_db(alias, names, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            found.append(instance)
        return found

    def get(self, *args):
        """The one instance, as `QuerySet.get()` answers: the model's DoesNotExist when there is none,
        MultipleObjectsReturned when there are more."""
        found = self.instances(*args)
        if len(found) == 1:
            return found[0]
        model = self.build(*args).model
        if not found:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        raise model.MultipleObjectsReturned(f"get() returned more than one {model._meta.object_name}")

    def statement(self, *args) -> "Statement":
        """The compiled SELECT with these values, to be run inside another statement (a subquery)."""
        _, sql, params, _, _ = self._statement(args)
        return Statement(sql, params)

    def update(self, *args, **values) -> int:
        """UPDATE the rows of `build(*args)`, each value prepared for the database by its field as
        `QuerySet.update()` prepares it (no signals, no auto_now: pass such a field's value); rows changed."""
        if not values:
            raise TypeError("update() takes at least one field to set")
        key = (connection.alias, connection.vendor, "update", tuple(values),
               tuple(type(a).__name__ for a in args))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(args, updating=tuple(values))
        _, sql, params, slots, fields = compiled
        params = list(params)
        flat = [*args, *(field.get_db_prep_save(values[name], connection=connection) for name, field in fields)]
        for position, index in slots:
            params[position] = flat[index]
        with transaction.mark_for_rollback_on_error(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def _statement(self, args) -> tuple:
        shape = tuple(len(a) if isinstance(a, list) else type(a).__name__ for a in args)
        if any(isinstance(n, int) and n > MAX_LIST for n in shape):
            compiler = self.build(*args).query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            return compiler, sql, params, _plan(compiler), _reading(compiler)
        key = (connection.alias, connection.vendor, shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(args)
        compiler, sql, params, slots, (plan, reading) = compiled
        params = list(params)
        flat = [value for a in args for value in (a if isinstance(a, list) else [a])]
        for position, index in slots:
            params[position] = flat[index]
        return compiler, sql, params, plan, reading

    def _compile(self, args, updating: tuple = ()) -> tuple:
        markers, numbers = [], count(1)
        for a in args:
            if isinstance(a, list) and not updating:
                markers.append([-next(numbers) for _ in a])
            elif isinstance(a, int):
                markers.append(-next(numbers))
            elif isinstance(a, str):
                markers.append(f"\0prepared-{next(numbers)}")
            else:
                takes = "ints and strs" if updating else "ints, strs and lists of ints"
                raise TypeError(f"a prepared {'update' if updating else 'query'} takes {takes}, not {type(a).__name__}")
        flat = [m for a in markers for m in (a if isinstance(a, list) else [a])]
        if updating:
            # each new value is a parameter the ORM sees as a string, swapped for the field's own preparation of
            # the real value at each run (field.get_db_prep_save, as an UPDATE of a plain value does)
            new_values = {name: f"\0prepared-{next(numbers)}" for name in updating}
            flat += new_values.values()
            query = self.build(*markers).query.chain(UpdateQuery)
            query.add_update_values({name: Value(marker) for name, marker in new_values.items()})
            if query.related_updates or any(hasattr(field, "get_placeholder") for field, _, _ in query.values):
                raise TypeError("update() takes a plain update of one model's own fields")
            fields = [(name, field) for name, (field, _, _) in zip(updating, query.values, strict=True)]
            compiler = query.get_compiler(connection=connection)
        else:
            compiler = self.build(*markers).query.get_compiler(connection=connection)
        index_of = {m: i for i, m in enumerate(flat)}
        sql, params = compiler.as_sql()
        slots = [(position, index_of[p]) for position, p in enumerate(params)
                 if type(p) in (int, str) and p in index_of]
        if sorted(index for _, index in slots) != list(range(len(flat))):
            raise ValueError("each argument must be one parameter of the query, once")
        return compiler, sql, list(params), slots, (fields if updating else (_plan(compiler), _reading(compiler)))


def _plan(compiler) -> tuple | None:
    """How instances() makes a row's objects (model, its column names and their slice, the select_related()
    populators), as ModelIterable works it out; None for a queryset of values."""
    klass_info = compiler.klass_info
    if not klass_info or compiler.annotation_col_map:
        return None
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    names = [column[0].target.attname for column in compiler.select[start:end]]
    return (klass_info["model"], names, start, end,
            get_related_populators(klass_info, compiler.select, connection.alias))


class PreparedInsert:
    """A model's INSERT, compiled once: `save(obj)` writes a new instance as `obj.save()` does (each field's
    pre_save(), e.g. auto_now_add, and its preparation for the database; the new key set on the object), and
    `save_all(objs)` writes several in one statement as `bulk_create()` does; neither sends signals. For a model
    written on a hot path whose save() builds the same statement every time (a payment event per notify, an order
    and its lines per checkout)."""

    def __init__(self, model):
        self.model = model
        self._compiled: dict[tuple, tuple] = {}

    def save(self, obj):
        self._check_new([obj])
        sql, fields = self._statement(obj, 1)
        meta = self.model._meta
        with transaction.mark_for_rollback_on_error(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(sql, self._values([obj], fields))
            obj.pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
        obj._state.adding, obj._state.db = False, connection.alias
        return obj

    def save_all(self, objs) -> None:
        """One INSERT of every instance in `objs`. Their keys are not read back: a caller that needs them uses
        save(). More than MAX_LIST rows go through bulk_create(), so the statements kept stay few."""
        objs = list(objs)
        self._check_new(objs)
        if not objs:
            return
        if len(objs) > MAX_LIST:
            self.model._default_manager.bulk_create(objs)
            return
        sql, fields = self._statement(objs[0], len(objs))
        with transaction.mark_for_rollback_on_error(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(sql, self._values(objs, fields))
        for obj in objs:
            obj._state.adding, obj._state.db = False, connection.alias

    def _check_new(self, objs):
        for obj in objs:
            if type(obj) is not self.model or not obj._state.adding:
                raise TypeError(f"save() takes a new {self.model.__name__}")

    def _statement(self, obj, rows: int) -> tuple:
        key = (connection.alias, connection.vendor, rows)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(obj, rows)
        return compiled

    @staticmethod
    def _values(objs, fields) -> list:
        return [field.get_db_prep_save(field.pre_save(obj, True), connection=connection)
                for obj in objs for field in fields]

    def _compile(self, obj, rows: int) -> tuple:
        meta = self.model._meta
        # what Model._save_table() inserts for a new row whose key the database assigns
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
        query = InsertQuery(self.model)
        query.insert_values(fields, [obj] * rows)
        statements = query.get_compiler(connection=connection).as_sql()
        if meta.auto_field is None or len(statements) != 1 or len(statements[0][1]) != len(fields) * rows \
                or any(hasattr(f, "get_placeholder") for f in fields):
            raise TypeError(f"{self.model.__name__} is not plain rows of values with a database-made key")
        return statements[0][0], fields


@dataclass(frozen=True)
class Statement:
    """A SELECT's SQL and its parameters (Prepared.statement), for a caller that embeds it in its own statement."""

    sql: str
    params: list


def _reading(compiler) -> tuple:
    """How a row's values are converted (Decimal, aware datetimes), as results_iter() works it out on every run:
    the compiler's converters for its selected columns, and those columns when one is a composite key (else None)."""
    fields = [column[0] for column in compiler.select[0:compiler.col_count]]
    return compiler.get_converters(fields), fields if compiler.has_composite_fields(fields) else None


def _converted(compiler, reading, rows):
    """The fetched rows as the compiler's results_iter() gives them, converted by what _reading() worked out."""
    converters, composite_fields = reading
    if converters:
        rows = compiler.apply_converters(rows, converters)
    if composite_fields:
        rows = compiler.composite_fields_to_tuples(rows, composite_fields)
    return rows


def _fetch(sql: str, params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()

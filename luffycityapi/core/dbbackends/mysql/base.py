"""MariaDB/MySQL: django-prometheus's wrapper of Django's backend, whose transactions begin with BEGIN.

Django opens an atomic block on MySQL by turning the session's autocommit off (SET autocommit=0) and closes it by
turning autocommit back on (SET autocommit=1): two round trips around every transaction besides its COMMIT. Begun
with BEGIN while autocommit stays on (what Django does for SQLite, through this same hook), a transaction ends at
its COMMIT or ROLLBACK and the session is back in autocommit by itself; MySQLdb then skips the SET, since the
server's status already says autocommit is on. One round trip fewer for every transaction: each order create and
each notify has one on its hot path. Savepoints, isolation and locks are the same inside either kind of
transaction; a transaction that Django begins by `transaction.set_autocommit(False)` still turns autocommit off."""
from django.db.backends.utils import debug_transaction
from django_prometheus.db.backends.mysql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self):
        with debug_transaction(self, "BEGIN"), self.wrap_database_errors:
            self.connection.begin()

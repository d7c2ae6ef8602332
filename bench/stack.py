"""What the bench and soak harnesses share about the production stack they start."""
import sys
from urllib.parse import urlparse


def recreate_database(database_url: str, *, suffix: str) -> None:
    """Drop and create a harness's own MariaDB database, so every run starts from the same empty schema. Only a
    database whose name ends in `suffix` is dropped: a mistyped URL must never cost a real database."""
    import MySQLdb  # here: the embedded stack's install has no MySQL driver

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    if not name.endswith(suffix):
        sys.exit(f"refusing to drop database {name!r}: a harness database's name must end in {suffix}")
    conn = MySQLdb.connect(host=url.hostname or "127.0.0.1", port=url.port or 3306, user=url.username or "root",
                           passwd=url.password or "")
    cur = conn.cursor()
    cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    conn.close()

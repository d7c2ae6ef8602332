from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2idHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's first recommended setting (Password Storage Cheat Sheet: m=19 MiB, t=2, p=1).

    Django's own Argon2 defaults (m=100 MiB, p=8) cost ~5x the memory per login for no gain on a 2-core web
    worker: p=8 lanes run on one thread there. The algorithm name stays "argon2", so Django's
    must_update() re-hashes any argon2 hash whose parameters differ from these on the next login."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

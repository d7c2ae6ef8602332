#!/usr/bin/env python
"""Password hash time per login: the CPU one successful login spends in check_password(), for the hasher that
verifies today's passwords (Argon2id at OWASP's parameters, settings.base) and for the PBKDF2 one it replaced.

    .venv/bin/python bench/hash_time.py [--rounds 15]

Each figure is the median of --rounds verifications in this process (the host drifts; the median of a few
is steadier than a mean). Writes bench-results/hash-time.json and prints a markdown table."""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luffycityapi.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import check_password, get_hasher, make_password  # noqa: E402

PASSWORD = "a-student-password-42"


def verify_ms(algorithm: str, rounds: int) -> dict:
    encoded = make_password(PASSWORD, hasher=algorithm)
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        assert check_password(PASSWORD, encoded)
        samples.append((time.process_time() - start) * 1000)
    return {"hasher": type(get_hasher(algorithm)).__name__, "prefix": encoded.rsplit("$", 2)[0],
            "median_ms": round(statistics.median(samples), 1), "min_ms": round(min(samples), 1),
            "max_ms": round(max(samples), 1), "rounds": rounds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    preferred = get_hasher("default").algorithm
    rows = [verify_ms(preferred, args.rounds), verify_ms("pbkdf2_sha256", args.rounds)]
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "hash-time.json").write_text(json.dumps({"hashers": settings.PASSWORD_HASHERS, "results": rows},
                                                   indent=2) + "\n")
    print("| hasher | stored as | CPU per login, median ms | min–max ms |")
    print("|---|---|---:|---:|")
    for r in rows:
        print(f"| {r['hasher']} | `{r['prefix']}` | {r['median_ms']} | {r['min_ms']}–{r['max_ms']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

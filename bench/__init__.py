"""`make bench`: the load-test harness (run.py), its wrk scripts (lua/) and the bench-only floor endpoint."""

"""The pieces of `make bench` (bench/run.py): wrk runs, server processes, seeding, apps, stacks."""

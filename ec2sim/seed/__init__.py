"""The declarative seed: accounts, IAM and EC2 resources a server starts with (``--config FILE``).

The file is the settings file: settings at the top level, the seed under `SECTIONS`. Its shape is
``ec2sim/data/seed.schema.json`` (which editors read too). `ec2sim.seed.loader.load_seed` reads and
validates a file and applies it once to a throwaway store, so a bad seed is refused as a whole
before anything listens; `Seed.install` then applies it to the server's store, and again after each
reset. Everything is created by the registered operation handlers, as the account's root user,
through the same parsing and checks as API calls (`ec2sim.seed.calls`).

This module stays light (the CLI imports it at start-up); the rest is imported when a file is read.
"""

from __future__ import annotations

SECTIONS = ("accounts",)  # top-level keys of the config file that are seed, not settings


class SeedError(Exception):
    """A seed the server refuses: one line naming the file, the YAML path and the problem."""

    def __init__(self, file: str, path: str, problem: str) -> None:
        self.file, self.path, self.problem = file, path, " ".join(problem.split())
        super().__init__(f"{file}: {path}: {self.problem}" if path else f"{file}: {self.problem}")

"""The deterministic demo and benchmark data generator.

Each app that has demo records ships a `demo.py` with a function decorated `@demo_step(order)`;
`build_demo` imports those modules (so core never imports the apps above it) and runs the steps
in order with one shared `DemoContext`. Steps create bulk rows with `ctx.bulk_create`, so
`khata demo --companies 1000000` stays a matter of minutes. The same seed gives the same data.
"""

import random
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.module_loading import autodiscover_modules
from faker import Faker

from khata.core.bulk import insert_values
from khata.core.maintenance import refresh_statistics

# Indian English and Hindi (Devanagari) first; the others make an international client list.
DEMO_LOCALES = ["en_IN", "hi_IN", "en_GB", "en_US", "de_DE"]
DEMO_PASSWORDS = {"head": "khata-head-demo", "manager": "khata-manager-demo"}


@dataclass
class DemoContext:
    """What every demo step shares: the seed, the fakers, the size asked for, and what earlier
    steps made (`made["managers"]`, later `made["companies"]`, …)."""

    seed: int = 42
    companies: int = 200
    leads: int | None = None  # None: the prospecting step picks a share of `companies`
    batch_size: int = 5000
    made: dict = field(default_factory=dict)
    log: Callable[[str], None] = print

    def __post_init__(self):
        self.random = random.Random(self.seed)
        self.fake = Faker(DEMO_LOCALES)
        self.fake.seed_instance(self.seed)

    def faker(self, locale: str) -> Faker:
        return self.fake[locale]

    def bulk_create(self, model, rows: Iterable, *, label: str = "") -> int:
        """Insert `rows` in batches of `batch_size`; returns how many were inserted."""
        batch, total = [], 0
        for row in rows:
            batch.append(row)
            if len(batch) >= self.batch_size:
                model.objects.bulk_create(batch, batch_size=self.batch_size)
                total += len(batch)
                batch.clear()
                if label:
                    self.log(f"  {label}: {total:,}")
        if batch:
            model.objects.bulk_create(batch, batch_size=self.batch_size)
            total += len(batch)
        return total

    def insert_rows(self, model, columns: list[str], rows: Iterable[tuple], *,
                    label: str = "") -> int:
        """Insert plain tuples of values for `columns` (attribute names) in batches of
        `batch_size` (core.bulk: four times faster than `bulk_create` for the demo)."""
        return insert_values(model, columns, rows, batch_size=self.batch_size,
                             on_batch=(lambda total: self.log(f"  {label}: {total:,}"))
                             if label else None)


_STEPS: list[tuple[int, str, Callable[[DemoContext], None]]] = []


def demo_step(order: int):
    """Register a demo step; lower `order` runs first (team 10, clients 20, deals 40, …)."""

    def register(func):
        name = f"{func.__module__}.{func.__qualname__}"
        if all(existing != name for _order, existing, _func in _STEPS):
            _STEPS.append((order, name, func))
        return func

    return register


def build_demo(*, seed: int = 42, companies: int = 200, leads: int | None = None,
               log: Callable[[str], None] = print, batch_size: int = 5000) -> DemoContext:
    """Run every app's demo steps in order, each in its own transaction."""
    autodiscover_modules("demo")
    ctx = DemoContext(seed=seed, companies=companies, leads=leads, log=log,
                      batch_size=batch_size)
    for _order, name, step in sorted(_STEPS, key=lambda item: (item[0], item[1])):
        log(f"• {name.split('.')[1]}: {step.__doc__.strip().splitlines()[0]}")
        # Each step draws from its own seeded stream, so what one step skips (rows that
        # already exist) does not change what the next one makes.
        step_seed = zlib.crc32(f"{seed}:{name}".encode())
        ctx.random.seed(step_seed)
        ctx.fake.seed_instance(step_seed)
        with transaction.atomic():
            step(ctx)
    refresh_statistics()
    return ctx

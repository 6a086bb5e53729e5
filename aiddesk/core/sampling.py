"""Stratified random draws that anyone can repeat from the recorded seed (电话抽查, 入户走访).

The size is split over the strata (units) in proportion to their size by the largest-remainder
rule, ties going to the larger stratum and then to the lower code; within each stratum the
members are sorted by their key and drawn with a generator seeded by ``<seed>/<stratum>``. So
the same population, seed and size give the same people on any machine and Python version
(``random.Random`` with a string seed and ``sample`` are stable across versions).
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from .errors import UserError


@dataclass(frozen=True)
class Member:
    """One thing that may be drawn: its sort key (e.g. 明细编号), its stratum (unit) and what it stands for."""

    key: str
    stratum: str
    ref: Hashable


@dataclass(frozen=True)
class Draw:
    seed: str
    population: int
    picked: tuple[Member, ...]                 # in stratum order, then drawing order
    strata: dict[str, tuple[int, int]]         # stratum → (population, drawn)

    @property
    def size(self) -> int:
        return len(self.picked)


def new_seed() -> str:
    """A fresh seed, short enough to read out to an inspector."""
    return secrets.token_hex(4).upper()


def size_for(population: int, *, share: Decimal | None = None, count: int | None = None, minimum: int = 0) -> int:
    """How many to draw: ``share`` of the population rounded up, or ``count``; at least ``minimum``, at most all."""
    if (share is None) == (count is None):
        raise ValueError("give either share or count")
    if share is not None:
        if not 0 < share <= 1:
            raise UserError("抽取比例应大于0%、不超过100%", field="share")
        wanted = math.ceil(share * population)
    else:
        if count <= 0:
            raise UserError("抽取人数应大于0", field="count")
        wanted = count
    return min(population, max(wanted, minimum))


def allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """Split ``total`` over strata of ``sizes`` in proportion (largest remainder); the parts add up to ``total``."""
    population = sum(sizes.values())
    if not 0 <= total <= population:
        raise ValueError("cannot draw more than the population")
    if population == 0:
        return {s: 0 for s in sizes}
    exact = {s: Decimal(total * n) / population for s, n in sizes.items()}
    parts = {s: int(q) for s, q in exact.items()}
    order = sorted(sizes, key=lambda s: (-(exact[s] - parts[s]), -sizes[s], s))
    for s in order[:total - sum(parts.values())]:
        parts[s] += 1
    return parts


def draw(members: Iterable[Member], size: int, seed: str) -> Draw:
    """Draw ``size`` members, stratified by ``Member.stratum``, reproducibly from ``seed``."""
    by_stratum: dict[str, list[Member]] = {}
    for m in members:
        by_stratum.setdefault(m.stratum, []).append(m)
    for group in by_stratum.values():
        group.sort(key=lambda m: m.key)
    population = sum(len(g) for g in by_stratum.values())
    parts = allocate({s: len(g) for s, g in by_stratum.items()}, size)
    picked: list[Member] = []
    strata: dict[str, tuple[int, int]] = {}
    for stratum in sorted(by_stratum):
        group = by_stratum[stratum]
        chosen = random.Random(f"{seed}/{stratum}").sample(group, parts[stratum])
        picked.extend(chosen)
        strata[stratum] = (len(group), len(chosen))
    return Draw(seed=seed, population=population, picked=tuple(picked), strata=strata)

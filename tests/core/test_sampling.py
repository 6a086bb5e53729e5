"""Stratified draws: reproducible from the seed, strata adding up, proportional to the units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aiddesk.core.errors import UserError
from aiddesk.core.sampling import Member, allocate, draw, new_seed, size_for


def population(sizes: dict[str, int]) -> list[Member]:
    return [Member(f"{unit}-{i:04d}", unit, (unit, i)) for unit, n in sizes.items() for i in range(n)]


def test_the_same_seed_draws_the_same_people_whatever_the_input_order():
    people = population({"460001": 40, "460002": 25, "460003": 7})
    first = draw(people, 12, "A1B2C3D4")
    again = draw(list(reversed(people)), 12, "A1B2C3D4")
    assert [m.key for m in first.picked] == [m.key for m in again.picked]
    other = draw(people, 12, "00000000")
    assert [m.key for m in other.picked] != [m.key for m in first.picked]


def test_strata_add_up_and_follow_the_units_sizes():
    d = draw(population({"460001": 40, "460002": 25, "460003": 7, "460004": 0}), 12, "S")
    assert d.size == 12 and d.population == 72
    assert sum(drawn for _, drawn in d.strata.values()) == 12
    assert {u: n for u, (_, n) in d.strata.items()} == {"460001": 7, "460002": 4, "460003": 1}
    assert all(m.stratum == u for u in d.strata for m in d.picked if m.key.startswith(u))
    assert len({m.key for m in d.picked}) == 12


@pytest.mark.parametrize("sizes, total", [({"a": 1, "b": 1, "c": 1}, 2), ({"a": 3, "b": 3}, 3),
                                          ({"a": 100}, 100), ({"a": 5, "b": 0}, 0)])
def test_allocation_always_adds_up(sizes, total):
    parts = allocate(sizes, total)
    assert sum(parts.values()) == total and all(0 <= parts[s] <= sizes[s] for s in sizes)


def test_sizes_from_a_share_or_a_count():
    assert size_for(569, share=Decimal("0.10")) == 57          # rounded up
    assert size_for(12, share=Decimal("0.10"), minimum=5) == 5
    assert size_for(3, share=Decimal("0.10"), minimum=5) == 3  # never more than there are
    assert size_for(100, count=20) == 20
    with pytest.raises(UserError):
        size_for(100, share=Decimal("1.5"))
    with pytest.raises(UserError):
        size_for(100, count=0)


def test_new_seeds_are_short_and_differ():
    seeds = {new_seed() for _ in range(20)}
    assert len(seeds) == 20 and all(len(s) == 8 for s in seeds)

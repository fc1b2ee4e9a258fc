"""The exact min-cost flow against the greedy baseline on constructed cases."""

import itertools

from zhijiao.programmes import assignment


def _brute_force_cost(n, allowed, app_field, specialties, mismatch=4, load_weight=1):
    apps = sorted(allowed)
    best = None
    for combo in itertools.product(*[list(itertools.combinations(sorted(allowed[a]), n)) for a in apps]):
        result = assignment.Result(pairs={a: list(c) for a, c in zip(apps, combo, strict=True)})
        cost = result.cost(
            app_field, specialties, mismatch=mismatch, load_weight=load_weight, experts=specialties
        )
        best = cost if best is None else min(best, cost)
    return best


def test_greedy_overloads_where_the_flow_balances():
    # Expert 1 may review both applications, expert 3 only the first; greedy (lowest id on a
    # tie) gives both to expert 1, the optimum spreads them.
    app_field = {10: "46", 11: "46"}
    allowed = {10: [1, 3], 11: [1]}
    specialties = {1: ["46"], 3: ["46"]}
    greedy = assignment.greedy(n=1, allowed=allowed, app_field=app_field, specialties=specialties)
    best = assignment.solve(n=1, allowed=allowed, app_field=app_field, specialties=specialties)
    assert greedy.pairs == {10: [1], 11: [1]}
    assert best.pairs == {10: [3], 11: [1]}
    assert max(best.loads(specialties).values()) == 1 < max(greedy.loads(specialties).values())


def test_flow_matches_more_specialties_and_balances_better_than_greedy():
    # Greedy serves the first application with both matching experts, leaving the second with
    # none that matches; the flow shares them.
    allowed = {1: [100, 101, 102, 103], 2: [100, 101, 102, 103]}
    app_field = {1: "46", 2: "51"}
    specialties = {100: ["46", "51"], 101: ["46", "51"], 102: ["46"], 103: ["53"]}
    greedy = assignment.greedy(n=2, allowed=allowed, app_field=app_field, specialties=specialties)
    best = assignment.solve(n=2, allowed=allowed, app_field=app_field, specialties=specialties)
    assert best.matches(app_field, specialties) == 4
    assert greedy.matches(app_field, specialties) == 4
    loads_best = best.loads(specialties)
    loads_greedy = greedy.loads(specialties)
    assert max(loads_best.values()) <= max(loads_greedy.values())
    kw = {"mismatch": 4, "load_weight": 1, "experts": specialties}
    assert best.cost(app_field, specialties, **kw) <= greedy.cost(app_field, specialties, **kw)


def test_flow_is_optimal_against_brute_force():
    allowed = {1: [10, 11, 12], 2: [10, 11, 13], 3: [11, 12, 13], 4: [10, 12, 13]}
    app_field = {1: "46", 2: "51", 3: "46", 4: "53"}
    specialties = {10: ["46"], 11: ["51", "46"], 12: ["53"], 13: ["46", "53"]}
    best = assignment.solve(n=2, allowed=allowed, app_field=app_field, specialties=specialties, mismatch=4)
    cost = best.cost(app_field, specialties, mismatch=4, load_weight=1, experts=specialties)
    assert cost == _brute_force_cost(2, allowed, app_field, specialties)
    assert all(len(set(v)) == 2 for v in best.pairs.values())
    greedy = assignment.greedy(n=2, allowed=allowed, app_field=app_field, specialties=specialties)
    assert cost <= greedy.cost(app_field, specialties, mismatch=4, load_weight=1, experts=specialties)


def test_conflicts_leave_an_application_short_and_it_is_named():
    result = assignment.solve(n=2, allowed={1: [10], 2: [10, 11]}, app_field={}, specialties={10: [], 11: []})
    assert result.short == [1]
    assert result.pairs[2] == [10, 11]


def test_by_default_matches_come_first_then_balance():
    # Expert 1 matches both applications, expert 2 matches neither: with matches first, both go
    # to expert 1 (load 2/0) rather than one mismatch for balance.
    allowed = {1: [1, 2], 2: [1, 2]}
    app_field = {1: "46", 2: "46"}
    specialties = {1: ["46"], 2: ["51"]}
    best = assignment.solve(n=1, allowed=allowed, app_field=app_field, specialties=specialties)
    assert best.matches(app_field, specialties) == 2
    balanced = assignment.solve(
        n=1, allowed=allowed, app_field=app_field, specialties=specialties, mismatch=1
    )
    assert max(balanced.loads(specialties).values()) == 1

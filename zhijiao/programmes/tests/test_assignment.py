"""The exact min-cost flow (OR-tools) against the greedy baseline on constructed cases, and
against brute force on random tiny inputs (hypothesis)."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

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


# --- property tests: the OR-tools flow against brute force on tiny random inputs -------------------

FIELDS = ["46", "51", "53"]


@st.composite
def tiny_instances(draw):
    n_apps = draw(st.integers(1, 3))
    n_experts = draw(st.integers(1, 4))
    apps = list(range(1, n_apps + 1))
    experts = list(range(100, 100 + n_experts))
    forbidden = {a: draw(st.sets(st.sampled_from(experts), max_size=n_experts)) for a in apps}
    app_field = {a: draw(st.sampled_from(FIELDS)) for a in apps}
    specialties = {e: draw(st.lists(st.sampled_from(FIELDS), max_size=2, unique=True)) for e in experts}
    n = draw(st.integers(1, 2))
    max_load = draw(st.one_of(st.none(), st.integers(1, 3)))
    return n, apps, experts, forbidden, app_field, specialties, max_load


def _brute_force(n, apps, experts, forbidden, app_field, specialties, max_load, mismatch):
    """The most pairs, then the least cost, over every choice of up to n allowed experts per
    application (respecting the load cap)."""
    options = []
    for a in apps:
        allowed = [e for e in experts if e not in forbidden[a]]
        options.append([c for k in range(0, n + 1) for c in itertools.combinations(allowed, k)])
    best = None
    for combo in itertools.product(*options):
        result = assignment.Result(pairs={a: list(c) for a, c in zip(apps, combo, strict=True)})
        loads = result.loads(experts)
        if max_load is not None and max(loads.values()) > max_load:
            continue
        size = sum(len(c) for c in combo)
        cost = result.cost(app_field, specialties, mismatch=mismatch, load_weight=1, experts=experts)
        key = (-size, cost)
        best = key if best is None else min(best, key)
    return best


@settings(max_examples=150, deadline=None)
@given(tiny_instances())
def test_flow_never_breaks_a_conflict_and_is_optimal(instance):
    n, apps, experts, forbidden, app_field, specialties, max_load = instance
    result = assignment.solve(
        n=n,
        forbidden=forbidden,
        applications=apps,
        experts=experts,
        app_field=app_field,
        specialties=specialties,
        max_load=max_load,
    )
    mismatch = 2 * len(apps) + 1
    for a, chosen in result.pairs.items():
        assert not set(chosen) & forbidden[a], "a hard 回避 was broken"
        assert len(chosen) == len(set(chosen)) <= n, "an expert twice on one application"
    loads = result.loads(experts)
    if max_load is not None:
        assert max(loads.values()) <= max_load
    assert set(result.short) == {a for a in apps if len(result.pairs[a]) < n}
    size = sum(len(c) for c in result.pairs.values())
    cost = result.cost(app_field, specialties, mismatch=mismatch, load_weight=1, experts=experts)
    assert (-size, cost) == _brute_force(
        n, apps, experts, forbidden, app_field, specialties, max_load, mismatch
    )
    # The same problem given as allowed pairs has the same optimum.
    allowed = {a: [e for e in experts if e not in forbidden[a]] for a in apps}
    again = assignment.solve(
        n=n,
        allowed=allowed,
        app_field=app_field,
        specialties={e: specialties[e] for e in experts},
        max_load=max_load,
    )
    assert again.cost(app_field, specialties, mismatch=mismatch, load_weight=1, experts=experts) == cost
    # The greedy baseline respects the conflicts too and is never cheaper when it is as complete.
    base = assignment.greedy(
        n=n,
        forbidden=forbidden,
        applications=apps,
        experts=experts,
        app_field=app_field,
        specialties=specialties,
        max_load=max_load,
    )
    for a, chosen in base.pairs.items():
        assert not set(chosen) & forbidden[a]
        assert len(chosen) == len(set(chosen)) <= n
    if sum(len(c) for c in base.pairs.values()) == size:
        assert base.cost(app_field, specialties, mismatch=mismatch, load_weight=1, experts=experts) >= cost


def test_slot_assignment_would_repeat_an_expert():
    # Why not linear_sum_assignment over (application, place) × (expert, k-th load unit): one
    # application needing two reviewers, expert 1 matches, expert 2 does not. The cheapest slot
    # assignment gives both places to expert 1 (two of his load units); the flow cannot.
    app_field, specialties, mismatch = {1: "46"}, {1: ["46"], 2: ["51"]}, 3
    columns = [(1, 1), (1, 2), (2, 1)]  # (expert, k): cost = mismatch? + (2k − 1)

    def col_cost(col):
        expert, k = col
        return (0 if "46" in specialties[expert] else mismatch) + 2 * k - 1

    slot_best = min(itertools.permutations(columns, 2), key=lambda cols: sum(map(col_cost, cols)))
    assert [e for e, _k in slot_best] == [1, 1]
    flow = assignment.solve(
        n=2, allowed={1: [1, 2]}, app_field=app_field, specialties=specialties, mismatch=mismatch
    )
    assert flow.pairs == {1: [1, 2]}


def test_load_limit_is_raised_until_it_does_not_bind():
    # Twenty applications of a field only expert 1 knows: the first load bound (twice the mean)
    # binds, and the solver widens it rather than spreading mismatches.
    apps = list(range(20))
    allowed = {a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] for a in apps}
    specialties = {e: ["51"] for e in range(2, 11)} | {1: ["46"]}
    result = assignment.solve(
        n=1, allowed=allowed, app_field=dict.fromkeys(apps, "46"), specialties=specialties
    )
    assert result.loads(range(1, 11))[1] == 20
    capped = assignment.solve(
        n=1, allowed=allowed, app_field=dict.fromkeys(apps, "46"), specialties=specialties, max_load=5
    )
    loads = capped.loads(range(1, 11))
    assert loads[1] == 5 and max(loads.values()) == 5 and not capped.short

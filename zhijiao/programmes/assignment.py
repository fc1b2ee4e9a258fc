"""Assigning N reviewers to each application: an exact minimum-cost flow solved by Google OR-tools
(``SimpleMinCostFlow``, C++), and the greedy baseline it is compared with (tests, the assignment
page's summary, ``bench/bench_programmes.py``).

The model (pure data, no database): applications each need ``n`` distinct reviewers; a pair
(application, expert) is allowed unless a hard 回避 rule forbids it (the caller passes the allowed
pairs, or the forbidden ones). The cost of a solution is

    Σ over assigned pairs of ``mismatch`` (0 when the expert's specialties include the
    application's 专业大类)  +  Σ over experts of ``load_weight`` · load²

By default ``mismatch`` outweighs any change of load, so the solution has the most matches
possible and, among those, the most even load. An optional ``max_load`` caps how many applications
one expert reviews.

The flow network: source → application (capacity n) → expert (capacity 1, cost = mismatch) →
sink through unit arcs whose costs are the marginal costs of the convex load term
(``load_weight`` · (2k − 1) for the k-th application). A maximum flow of minimum cost is exactly
optimal for the cost above; when some application cannot get ``n`` reviewers without a conflict,
it is the largest feasible assignment, and those applications are named (``Result.short``).

Why a flow and not ``scipy.optimize.linear_sum_assignment`` on expert slots. The assignment
problem would need one row per (application, reviewer place) and one column per (expert, k-th
load unit); nothing in it stops the three rows of one application from taking three load units
of the *same* expert — when that expert is the only one who matches, that is exactly what a
minimum-cost assignment does (tested: ``test_slot_assignment_would_repeat_an_expert``). "An expert
at most once per application" is a capacity of 1 on the arc application → expert, which a flow
network states directly and a bipartite assignment cannot. The flow's integrality theorem
(integer capacities give an integral optimum) makes the answer a real assignment.

Why no pruning of candidate pairs. At the issue's size (2,000 applications × 1,000 experts) all
≈ 1.9 million allowed pairs go into the network and OR-tools solves it in about two seconds; pruning
(only the k best experts per application) would make the optimum a heuristic. Only the load arcs
are bounded: each expert gets ``limit`` of them, starting at twice the mean load; if some expert
reaches its limit the network is rebuilt with the limit doubled. When no expert is at its limit
the bound is not binding, and since a min-cost flow is a linear programme (convex), an optimum
where the bound is slack is an optimum of the unbounded problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow


@dataclass
class Result:
    pairs: dict[int, list[int]]  # application → experts
    short: list[int] = field(default_factory=list)  # applications with fewer than n reviewers

    def loads(self, experts: Iterable[int]) -> dict[int, int]:
        loads = dict.fromkeys(experts, 0)
        for chosen in self.pairs.values():
            for e in chosen:
                loads[e] = loads.get(e, 0) + 1
        return loads

    def matches(self, app_field: Mapping[int, str], specialties: Mapping[int, Iterable[str]]) -> int:
        """How many assigned pairs match the application's 专业大类."""
        sets = {e: set(s) for e, s in specialties.items()}
        return sum(
            1 for a, chosen in self.pairs.items() for e in chosen if app_field.get(a) in sets.get(e, ())
        )

    def cost(self, app_field, specialties, *, mismatch: int, load_weight: int, experts) -> int:
        pairs = sum(len(c) for c in self.pairs.values())
        loads = self.loads(experts)
        return (pairs - self.matches(app_field, specialties)) * mismatch + load_weight * sum(
            x * x for x in loads.values()
        )

    def figures(self, experts: Iterable[int], app_field, specialties) -> dict:
        """What the assignment page and the benchmark compare: the largest and smallest load over
        the pool, the spread, the matched pairs and their share, the applications left short."""
        loads = list(self.loads(experts).values()) or [0]
        pairs = sum(len(c) for c in self.pairs.values())
        matched = self.matches(app_field, specialties)
        return {
            "max_load": max(loads),
            "min_load": min(loads),
            "load_spread": max(loads) - min(loads),
            "load_sum_of_squares": sum(x * x for x in loads),
            "pairs": pairs,
            "matches": matched,
            "match_share": round(matched / pairs, 4) if pairs else 0.0,
            "short": len(self.short),
        }


def _index(apps, experts, allowed, forbidden):
    """The allowed pairs as two index arrays (application row, expert column)."""
    ok = np.zeros((len(apps), len(experts)), dtype=bool)
    col = {e: j for j, e in enumerate(experts)}
    for i, a in enumerate(apps):
        if allowed is not None:
            js = [col[e] for e in set(allowed[a]) if e in col]
            ok[i, js] = True
        else:
            ok[i, :] = True
            js = [col[e] for e in set(forbidden.get(a, ())) if e in col]
            ok[i, js] = False
    return np.nonzero(ok)


def _match_matrix(apps, experts, app_field, specialties, rows, cols):
    fields = sorted({str(f) for f in app_field.values()} | {str(s) for v in specialties.values() for s in v})
    fid = {f: k for k, f in enumerate(fields)}
    has = np.zeros((len(experts), max(len(fields), 1)), dtype=bool)
    for j, e in enumerate(experts):
        for s in specialties.get(e, ()):
            has[j, fid[str(s)]] = True
    app_f = np.array([fid.get(str(app_field.get(a)), -1) for a in apps], dtype=np.int64)
    matched = np.zeros(len(rows), dtype=bool)
    known = app_f[rows] >= 0
    matched[known] = has[cols[known], app_f[rows[known]]]
    return matched


def solve(
    *,
    n: int,
    app_field: Mapping[int, str],
    specialties: Mapping[int, Iterable[str]],
    allowed: Mapping[int, Iterable[int]] | None = None,
    forbidden: Mapping[int, Iterable[int]] | None = None,
    applications: Iterable[int] | None = None,
    experts: Iterable[int] | None = None,
    mismatch: int | None = None,
    load_weight: int = 1,
    max_load: int | None = None,
) -> Result:
    """The optimal assignment (see the module). Either ``allowed`` (application → experts it may
    get) or ``forbidden`` (application → experts it may not get, with ``applications`` and
    ``experts`` listing everyone). Without ``mismatch`` the specialty match comes first: a mismatch
    costs more than any change of one expert's load can save (``load_weight`` · (2 · applications
    + 1)), so the solution has the most matches possible and, among those, the most even load."""
    if (allowed is None) == (forbidden is None):
        raise ValueError("give either allowed or forbidden pairs")
    if allowed is not None:
        apps = sorted(allowed)
        pool = {e for es in allowed.values() for e in es} | set(specialties)
    else:
        apps = sorted(applications if applications is not None else forbidden)
        pool = set(experts if experts is not None else specialties)
    experts = sorted(pool)
    if mismatch is None:
        mismatch = load_weight * (2 * len(apps) + 1)
    result = Result(pairs={a: [] for a in apps})
    if not apps or not experts or n <= 0:
        result.short = [a for a in apps if n > 0]
        return result
    rows, cols = _index(apps, experts, allowed, forbidden)
    pair_cost = np.where(_match_matrix(apps, experts, app_field, specialties, rows, cols), 0, mismatch)
    A, E, P = len(apps), len(experts), len(rows)
    degree = np.bincount(cols, minlength=E)
    ceiling = int(min(max_load if max_load is not None else A, A, degree.max(initial=0)))
    limit = min(ceiling, max(1, 2 * -(-n * A // E)))
    source, sink = 0, 1
    app_node = 2 + np.arange(A, dtype=np.int64)
    expert_node = 2 + A + np.arange(E, dtype=np.int64)
    while True:
        k = np.arange(1, limit + 1, dtype=np.int64)
        tails = np.concatenate([np.full(A, source), app_node[rows], np.repeat(expert_node, limit)])
        heads = np.concatenate([app_node, expert_node[cols], np.full(E * limit, sink)])
        capacities = np.ones(len(tails), dtype=np.int64)
        capacities[:A] = n
        costs = np.concatenate(
            [np.zeros(A, dtype=np.int64), pair_cost.astype(np.int64), np.tile(load_weight * (2 * k - 1), E)]
        )
        network = min_cost_flow.SimpleMinCostFlow()
        network.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
        network.set_node_supply(source, n * A)
        network.set_node_supply(sink, -n * A)
        status = network.solve_max_flow_with_min_cost()
        if status != network.OPTIMAL:  # pragma: no cover - integer data, finite costs
            raise RuntimeError(f"min-cost flow failed: {status}")
        used = network.flows(np.arange(A, A + P, dtype=np.int64)) > 0
        loads = np.bincount(cols[used], minlength=E)
        if limit < ceiling and (loads >= limit).any():
            limit = min(ceiling, 2 * limit)
            continue
        break
    for i, j in zip(rows[used].tolist(), cols[used].tolist(), strict=True):
        result.pairs[apps[i]].append(experts[j])
    for a in apps:
        result.pairs[a].sort()
    result.short = [a for a in apps if len(result.pairs[a]) < n]
    return result


def greedy(
    *,
    n: int,
    app_field: Mapping[int, str],
    specialties: Mapping[int, Iterable[str]],
    allowed: Mapping[int, Iterable[int]] | None = None,
    forbidden: Mapping[int, Iterable[int]] | None = None,
    applications: Iterable[int] | None = None,
    experts: Iterable[int] | None = None,
    max_load: int | None = None,
) -> Result:
    """The baseline: applications in order, each taking the ``n`` allowed experts that match its
    专业大类 first, then the least loaded, then the lowest id — never revisiting a choice."""
    if (allowed is None) == (forbidden is None):
        raise ValueError("give either allowed or forbidden pairs")
    sets = {e: set(s) for e, s in specialties.items()}
    if allowed is not None:
        apps = sorted(allowed)
        candidates = {a: set(allowed[a]) for a in apps}
    else:
        apps = sorted(applications if applications is not None else forbidden)
        pool = sorted(experts if experts is not None else specialties)
        candidates = {a: set(pool) - set(forbidden.get(a, ())) for a in apps}
    loads: dict[int, int] = {}
    pairs: dict[int, list[int]] = {}
    for a in apps:
        f = app_field.get(a)
        ranked = sorted(
            (e for e in candidates[a] if max_load is None or loads.get(e, 0) < max_load),
            key=lambda e: (f not in sets.get(e, ()), loads.get(e, 0), e),
        )
        pairs[a] = sorted(ranked[:n])
        for e in pairs[a]:
            loads[e] = loads.get(e, 0) + 1
    return Result(pairs=pairs, short=[a for a in apps if len(pairs[a]) < n])

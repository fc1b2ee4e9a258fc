"""Assigning N reviewers to each application: an exact min-cost flow, and the greedy baseline
it is compared with (tests, and the assignment page's summary).

The model (pure data, no database): applications each need ``n`` distinct reviewers; a pair
(application, expert) is allowed unless a hard 回避 rule forbids it (the caller passes the
allowed pairs). The cost of a solution is

    Σ over assigned pairs of ``mismatch`` (0 when the expert's specialties include the
    application's 专业大类)  +  Σ over experts of ``load_weight`` · load²

(by default ``mismatch`` outweighs any load change, so matches come first, then balance)
The flow network: source → application (capacity n) → expert (capacity 1, cost = mismatch) →
sink through unit arcs whose costs are the marginal costs of the convex load term
(``load_weight`` · (2k − 1) for the k-th application). Successive shortest paths with Dijkstra on
reduced costs (Johnson potentials; every arc cost starts non-negative) give a minimum-cost flow of
the largest possible value, so the answer is exactly optimal for the cost above — no ILP solver —
and, when some application cannot get ``n`` reviewers without a conflict, the largest
feasible assignment with those applications named.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass
class Result:
    pairs: dict[int, list[int]]  # application → experts
    short: list[int] = field(default_factory=list)  # applications with fewer than n reviewers

    def loads(self, experts: Iterable[int]) -> dict[int, int]:
        loads = dict.fromkeys(experts, 0)
        for chosen in self.pairs.values():
            for e in chosen:
                loads[e] += 1
        return loads

    def matches(self, app_field: Mapping[int, str], specialties: Mapping[int, Iterable[str]]) -> int:
        """How many assigned pairs match the application's 专业大类."""
        return sum(
            1
            for a, chosen in self.pairs.items()
            for e in chosen
            if app_field.get(a) in set(specialties.get(e, ()))
        )

    def cost(self, app_field, specialties, *, mismatch: int, load_weight: int, experts) -> int:
        pairs = sum(len(c) for c in self.pairs.values())
        loads = self.loads(experts)
        return (pairs - self.matches(app_field, specialties)) * mismatch + load_weight * sum(
            x * x for x in loads.values()
        )


def _pair_cost(app_field, specialties, a, e, mismatch) -> int:
    return 0 if app_field.get(a) in specialties.get(e, ()) else mismatch


def solve(
    *,
    n: int,
    allowed: Mapping[int, Iterable[int]],
    app_field: Mapping[int, str],
    specialties: Mapping[int, Iterable[str]],
    mismatch: int | None = None,
    load_weight: int = 1,
) -> Result:
    """The optimal assignment (see the module). ``allowed``: application → experts it may get.
    Without ``mismatch`` the specialty match comes first: a mismatch costs more than any change of
    one expert's load can save (``load_weight`` · (2 · applications + 1)), so the solution has the
    most matches possible and, among those, the most even load."""
    apps = sorted(allowed)
    if mismatch is None:
        mismatch = load_weight * (2 * len(apps) + 1)
    experts = sorted({e for es in allowed.values() for e in es} | set(specialties))
    specialties = {e: set(specialties.get(e, ())) for e in experts}
    # Nodes: 0 source, 1 sink, then applications, then experts.
    a_node = {a: 2 + i for i, a in enumerate(apps)}
    e_node = {e: 2 + len(apps) + i for i, e in enumerate(experts)}
    size = 2 + len(apps) + len(experts)
    graph: list[list[int]] = [[] for _ in range(size)]
    to: list[int] = []
    cap: list[int] = []
    cost: list[int] = []

    def arc(u: int, v: int, c: int, w: int) -> None:
        graph[u].append(len(to))
        to.append(v), cap.append(c), cost.append(w)
        graph[v].append(len(to))
        to.append(u), cap.append(0), cost.append(-w)

    for a in apps:
        arc(0, a_node[a], n, 0)
        for e in sorted(set(allowed[a])):
            arc(a_node[a], e_node[e], 1, _pair_cost(app_field, specialties, a, e, mismatch))
    max_load = len(apps)
    for e in experts:
        degree = sum(1 for a in apps if e in set(allowed[a]))
        for k in range(1, min(degree, max_load) + 1):
            arc(e_node[e], 1, 1, load_weight * (2 * k - 1))

    potential = [0] * size
    inf = float("inf")
    while True:
        dist = [inf] * size
        prev = [-1] * size
        dist[0] = 0
        heap = [(0, 0)]
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist[u]:
                continue
            for i in graph[u]:
                if cap[i] <= 0:
                    continue
                v = to[i]
                nd = d + cost[i] + potential[u] - potential[v]
                if nd < dist[v]:
                    dist[v] = nd
                    prev[v] = i
                    heapq.heappush(heap, (nd, v))
        if dist[1] == inf:
            break
        for v in range(size):
            if dist[v] < inf:
                potential[v] += dist[v]
        v = 1
        while v != 0:
            i = prev[v]
            cap[i] -= 1
            cap[i ^ 1] += 1
            v = to[i ^ 1]

    pairs: dict[int, list[int]] = {a: [] for a in apps}
    expert_of = {node: e for e, node in e_node.items()}
    for a in apps:
        for i in graph[a_node[a]]:
            if to[i] in expert_of and i % 2 == 0 and cap[i] == 0:
                pairs[a].append(expert_of[to[i]])
    return Result(
        pairs={a: sorted(es) for a, es in pairs.items()}, short=[a for a in apps if len(pairs[a]) < n]
    )


def greedy(
    *,
    n: int,
    allowed: Mapping[int, Iterable[int]],
    app_field: Mapping[int, str],
    specialties: Mapping[int, Iterable[str]],
) -> Result:
    """The baseline: applications in order, each taking the ``n`` allowed experts that match its
    专业大类 first, then the least loaded, then the lowest id — never revisiting a choice."""
    loads: dict[int, int] = {}
    pairs: dict[int, list[int]] = {}
    for a in sorted(allowed):
        ranked = sorted(
            set(allowed[a]),
            key=lambda e: (app_field.get(a) not in set(specialties.get(e, ())), loads.get(e, 0), e),
        )
        pairs[a] = sorted(ranked[:n])
        for e in pairs[a]:
            loads[e] = loads.get(e, 0) + 1
    return Result(pairs=pairs, short=[a for a in pairs if len(pairs[a]) < n])

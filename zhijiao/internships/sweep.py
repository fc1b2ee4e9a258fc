"""The daily compliance sweep: every rule over every active placement, set-based.

1. Violations go into a temporary table ``sweep_v(placement_id, rule_id, severity)``:
   - on PostgreSQL by ONE ``CREATE TEMPORARY TABLE … AS SELECT`` whose CASE columns mirror the pure
     rules of ``rules.py`` (a test runs both and compares them); outside a caller's transaction the
     placements are split into id ranges evaluated at once on several connections that share one
     exported snapshot (``INTERNSHIP_SWEEP_SLICES``, default the CPUs up to 4);
   - elsewhere (SQLite demo) by evaluating the pure rules per placement.
2. Anomaly flags (``anomalies.py``) are added, as severity "info".
3. Alerts are reconciled by one full join of the open alerts with the violations: new violations
   open alerts, vanished ones resolve them, changed severities are rewritten, and unresolved ones
   escalate to the city and then the province after N days. A steady day writes almost nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
from fractions import Fraction

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils import timezone

from zhijiao.core import workdays

from . import rules
from .choices import EscalationLevel, InternshipKind, PlacementStatus
from .models import Placement, Post

TEMP = "internships_sweep_v"


def _conf_int(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def swept_rule_ids() -> list[str]:
    return [*rules.RULES, *rules.SWEEP_ONLY, *rules.SWEPT_READINESS]


def _like_any(keywords) -> list[str]:
    return [
        "%" + k.upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for k in keywords
    ]


def _ratio(name: str) -> tuple[int, int]:
    f = Fraction(str(rules.conf(name)))
    return f.numerator, f.denominator


def night_post_ids() -> list[int]:
    """Posts whose shift touches the night window: computed in Python (one pass over posts, not placements)."""
    return [
        pk
        # Every post (a few thousand rows): only those with placements in the pass are joined.
        for pk, start, end in Post.objects.values_list("pk", "shift_start", "shift_end")
        if rules.shift_overlaps_night(start, end)
    ]


PG_SQL = """
WITH ci AS (
    -- Each check-in's local time and what the aggregates test, computed once per row (OFFSET 0 keeps
    -- PostgreSQL from inlining these expressions into every aggregate that reads them: the time-zone
    -- conversion alone was evaluated eight times per check-in).
    SELECT c0.placement_id, c0.lt, c0.lt::date AS d, c0.lt::time AS t, c0.latitude, c0.longitude, c0.distance_m,
           c0.rule, c0.rule AND c0.kind = 'START' AS r_start, c0.rule AND c0.kind = 'END' AS r_end,
           c0.anom AND c0.kind = 'START' AS a_start, c0.anom AND c0.distance_m > %(far_m)s AS a_far,
           date_part('epoch', c0.lt::time) AS secs
    FROM (
        SELECT c.placement_id, c.kind, (c.occurred_at AT TIME ZONE %(tz)s) AS lt, c.latitude, c.longitude,
               c.distance_m, c.occurred_at >= %(anom_since)s AS anom, c.occurred_at >= %(since)s AS rule
        FROM internships_checkin c
        WHERE c.occurred_at >= LEAST(%(since)s, %(anom_since)s){slice_c}
        OFFSET 0
    ) c0
    OFFSET 0
), days AS (
    SELECT placement_id, d, bool_or(rule) AS rule_day,
           date_part('epoch', max(lt) FILTER (WHERE r_end) - min(lt) FILTER (WHERE r_start)) / 3600.0 AS hours,
           count(*) FILTER (WHERE rule AND {night_cond}) AS night,
           -- anomaly aggregates (anomalies.py, clock-ins of the anomaly window)
           count(*) FILTER (WHERE a_start) AS a_n,
           min(latitude) FILTER (WHERE a_start) AS a_lat_min,
           max(latitude) FILTER (WHERE a_start) AS a_lat_max,
           min(longitude) FILTER (WHERE a_start) AS a_lng_min,
           max(longitude) FILTER (WHERE a_start) AS a_lng_max,
           count(*) FILTER (WHERE a_far) AS a_far,
           -- date_part (float8), not EXTRACT (numeric since PostgreSQL 14): a third of this pass's time
           sum(secs) FILTER (WHERE a_start) AS a_sec,
           sum(secs ^ 2) FILTER (WHERE a_start) AS a_sec2
    FROM ci GROUP BY placement_id, d
), stats AS (
    SELECT placement_id, max(hours) AS max_hours, sum(night) AS night, max(d) FILTER (WHERE rule_day) AS last_day,
           count(*) FILTER (WHERE rule_day AND d = ANY(%(holidays)s::date[])) AS hol_days,
           sum(a_n) AS a_n, min(a_lat_min) AS a_lat_min, max(a_lat_max) AS a_lat_max, min(a_lng_min) AS a_lng_min,
           max(a_lng_max) AS a_lng_max, sum(a_far) AS a_far, sum(a_sec) AS a_sec, sum(a_sec2) AS a_sec2
    FROM days GROUP BY placement_id
), pe AS (
    -- Interns on each post of each host today (the INT-RATIO caps count across every school), in one
    -- pass over the placements; the caps' counts per host and per post are sums of these few rows.
    SELECT p.post_id, p.enterprise_id, count(*) AS n FROM internships_placement p
    JOIN internships_internshipplan pl ON pl.id = p.plan_id
    WHERE p.status = 'active' AND pl.kind = 'post' AND p.start_date <= %(today)s AND p.end_date >= %(today)s
    GROUP BY p.post_id, p.enterprise_id
), ent AS (SELECT enterprise_id, sum(n) AS n FROM pe GROUP BY enterprise_id
), pst AS (SELECT post_id, sum(n) AS n FROM pe GROUP BY post_id
), entk AS (
    SELECT id, upper(name) LIKE ANY(%(venue_like)s::text[]) AS venue_kw, upper(name) LIKE ANY(%(agency_like)s::text[]) AS agency_kw
    FROM enterprises_enterprise
), nightp AS (
    SELECT DISTINCT unnest(%(night_posts)s::bigint[]) AS post_id
), postk AS MATERIALIZED (
    -- The conditions that depend only on the post and its host, evaluated once per post.
    SELECT po.id AS post_id, {post_always} AS always_bits, {post_unfiled} AS unfiled_bits, {post_postonly} AS postonly_bits
    FROM internships_post po
    JOIN enterprises_enterprise en ON en.id = po.enterprise_id
    JOIN entk ON entk.id = po.enterprise_id
    LEFT JOIN nightp ON nightp.post_id = po.id
    LEFT JOIN ent ON ent.enterprise_id = po.enterprise_id
    LEFT JOIN pst ON pst.post_id = po.id
), pay AS (
    SELECT placement_id, max(paid_on) AS last_paid,
           bool_or(method NOT IN ('bank_transfer', 'cash') OR NOT paid_to_student) AS bad,
           bool_or(premium_deducted) AS premium
    FROM internships_payrecord WHERE true{slice_other} GROUP BY placement_id
), men AS (
    SELECT placement_id, bool_or(kind = 'school') AND bool_or(kind = 'host') AS both
    FROM internships_mentorassignment WHERE is_current{slice_other} GROUP BY placement_id
), ins AS (
    -- The span is only read when there is exactly one policy (INT-INS), so no join to the placements here.
    SELECT placement_id, count(*) AS n, bool_or(premium_payer = 'student') AS student_paid,
           min(coverage_start) AS cov_start, max(coverage_end) AS cov_end
    FROM internships_insurancepolicy WHERE true{slice_other} GROUP BY placement_id
), core AS (
    -- The placement with what it is joined to one-to-one (plan, post, student, majors). The conditions
    -- that read only these are folded into a mask in the innermost sub-query, which PostgreSQL's
    -- parallel workers evaluate (OFFSET 0 keeps the planner from postponing them above the joins);
    -- the per-post bits are added next, and the per-placement records joined above carry a few
    -- columns instead of sixty (that width cost more than the joins themselves).
    SELECT {core_carried},
           b.flag_mask | postk.always_bits | (CASE WHEN b.unfiled THEN postk.unfiled_bits ELSE 0 END)
             | (CASE WHEN b.is_post THEN postk.postonly_bits ELSE 0 END) AS core_mask
    FROM (
        SELECT {core_inner_carried}, {core_mask} AS flag_mask
        FROM (
            SELECT {core_columns}
            FROM internships_placement p
            JOIN internships_internshipplan pl ON pl.id = p.plan_id
            JOIN internships_post po ON po.id = p.post_id
            JOIN majors_majorcategory pcat ON pcat.id = po.major_category_id
            JOIN students_enrolment e ON e.id = p.enrolment_id
            JOIN students_student s ON s.id = e.student_id
            JOIN majors_institutionmajor om ON om.id = e.offering_id
            JOIN majors_major mj ON mj.id = om.major_id
            JOIN majors_majorclass mc ON mc.id = mj.major_class_id
            JOIN majors_majorcategory scat ON scat.id = mc.category_id
            -- The school's current assessment of the host (at most one: a unique constraint) and the
            -- placement's readiness record: one-to-one, so they join here (INT-HOST-VETTED, INT-TRAINING,
            -- INT-OUTSIDE).
            LEFT JOIN internships_hostassessment ha ON ha.institution_id = p.institution_id
                 AND ha.enterprise_id = p.enterprise_id AND ha.status IN ('draft', 'approved', 'published')
            LEFT JOIN internships_placementsafety ps ON ps.placement_id = p.id
            WHERE (p.status = 'active' OR (p.status = 'ended' AND pl.kind = 'post'
                   AND p.end_date >= %(ended_since)s)){slice_p}
        ) b
        OFFSET 0
    ) b
    JOIN postk ON postk.post_id = b.post_id
    OFFSET 0
), base AS (
    -- The per-placement records and aggregates (agreement, evaluation, check-ins, pay, mentors, policies).
    SELECT {side_carried}, c.core_mask, {side_columns}
    FROM core c
    LEFT JOIN internships_agreement a ON a.placement_id = c.id
    LEFT JOIN internships_evaluation ev ON ev.placement_id = c.id
    LEFT JOIN stats st ON st.placement_id = c.id
    LEFT JOIN pay ON pay.placement_id = c.id
    LEFT JOIN men ON men.placement_id = c.id
    LEFT JOIN ins ON ins.placement_id = c.id
), flags AS MATERIALIZED (
    SELECT b.id, b.status, b.core_mask | {side_mask} AS mask
    FROM base b
)
SELECT DISTINCT f.id AS placement_id, r.rule_id, r.severity
FROM flags f JOIN (VALUES {bits}) AS r (bit, rule_id, severity) ON f.mask & r.bit <> 0
WHERE f.mask <> 0 AND (f.status = 'active' OR r.rule_id = 'INT-ASSESS')
  -- A "一般/原则上" rule passes with an approved exception (models.RuleException).
  AND NOT EXISTS (SELECT 1 FROM internships_ruleexception x
                  WHERE x.placement_id = f.id AND x.rule_id = r.rule_id AND x.status = 'approved')
"""


# The columns a condition may read as ``b.<name>``: first the placement's one-to-one joins (``core``),
# then its per-placement records and aggregates (``base``, where ``c`` is the core row).
CORE_COLUMNS: list[str] = [
    "p.id",
    "p.status",
    "p.start_date",
    "p.end_date",
    "p.arranged_via",
    "p.self_application_on",
    "p.self_approved_on",
    "p.work_kind",
    "p.monthly_pay",
    "p.pay_cycle_days",
    "p.pay_method",
    "p.paid_directly",
    "p.special_arrangement_ref = '' AS unfiled",
    "pl.kind = 'post' AS is_post",
    "pl.filing_status",
    "pl.training_plan_reference",
    "po.id AS post_id",
    "po.venue_kind",
    "po.physical_labour_level",
    "po.high_risk",
    "po.minor_forbidden",
    "po.female_forbidden",
    "po.daily_hours",
    "po.weekly_hours",
    "po.works_holidays",
    "po.overtime",
    "po.wage_standard",
    "po.lowest_grade_wage",
    "s.birth_date",
    "s.gender",
    "e.entry_date",
    "e.is_current",
    "e.status AS enrolment_status",
    "pcat.name AS post_cat",
    "scat.name AS student_cat",
    "(s.birth_date IS NOT NULL AND s.birth_date + make_interval(years => %(adult)s) > p.start_date) AS minor",
    "p.enterprise_id",
    "p.end_date >= %(reg_2021_from)s AS in_2021",
    "ha.id AS host_assessment_id",
    "ha.status AS host_status",
    "ha.assessed_on AS host_assessed_on",
    "ps.training_on",
    "ps.test_passed_on",
    "COALESCE(ps.destination, 'in_province') AS destination",
    "ps.outside_approved_on",
    "ps.outside_filed_on",
]
SIDE_COLUMNS: list[str] = [
    "a.id AS agreement_id", "a.fee_items", "a.school_signed_on", "a.host_signed_on", "a.student_signed_on",
    "a.guardian_consent_on", "a.guardian_consent_file", "a.keeps_id_documents", "a.guarantee_required",
    "(a.location = '' OR a.content = '' OR a.hours_and_rest = '' OR a.board_lodging = '' OR a.safety_protection = ''"
    " OR a.insurance_policy_no = '' OR a.accident_handling = '' OR a.assessment_method = '' OR a.pay_amount IS NULL"
    " OR a.pay_cycle = '' OR a.breach_liability = '') AS agreement_incomplete",
    "ev.school_grade",
    "st.max_hours", "COALESCE(st.night, 0) AS night", "COALESCE(st.hol_days, 0) AS hol_days", "st.last_day",
    "COALESCE(st.a_n, 0) AS a_n", "st.a_lat_min", "st.a_lat_max", "st.a_lng_min", "st.a_lng_max",
    "COALESCE(st.a_far, 0) AS a_far", "st.a_sec", "st.a_sec2",
    "pay.last_paid", "COALESCE(pay.bad, false) AS bad_pay", "COALESCE(pay.premium, false) AS premium_deducted", "COALESCE(men.both, false) AS both_mentors",
    "COALESCE(ins.n, 0) AS policies", "COALESCE(ins.student_paid, false) AS student_paid",
    "COALESCE(ins.cov_start <= c.start_date AND ins.cov_end >= c.end_date, false) AS one_covers",
]  # fmt: skip


def _column_name(expression: str) -> str:
    return expression.rsplit(" AS ", 1)[1] if " AS " in expression else expression.rsplit(".", 1)[1]


def _reads(condition: str) -> set[str]:
    return set(re.findall(r"\bb\.(\w+)", condition))


# Each entry mirrors (part of) the pure rule of the same id. Per-post conditions (``po``, ``entk``,
# ``nightp``, ``ent``, ``pst`` columns) are evaluated once per post: always, only when the placement
# has no filed special arrangement, or only for post internships. The rest run per placement (``b``).
POST_ALWAYS: list[tuple[str, str, str]] = [
    ("INT-VENUE", "block", "po.venue_kind <> 'ordinary' OR entk.venue_kw"),
    ("INT-AGENT", "block", "entk.agency_kw"),
    ("INT-PHYS", "block", "po.physical_labour_level > %(max_phys)s"),
]
POST_UNFILED: list[tuple[str, str, str]] = [
    # A filed special arrangement (Art. 17) covers working time and rest too.
    ("INT-HOURS", "block", "po.daily_hours > %(max_day)s OR po.weekly_hours > %(max_week)s"),
    ("INT-PHYS", "block", "po.high_risk"),
    ("INT-HOL", "block", "po.works_holidays"),
    ("INT-NIGHT", "block", "po.overtime OR nightp.post_id IS NOT NULL"),
]
POST_POSTONLY: list[tuple[str, str, str]] = [
    # A headcount of 0 is not recorded: a "record it" warning, not a breach (rule_ratio_*).
    (
        "INT-RATIO-UNIT",
        "block",
        "en.headcount > 0 AND COALESCE(ent.n, 0) * %(unit_den)s > %(unit_num)s * en.headcount",
    ),
    ("INT-RATIO-UNIT", "warn", "en.headcount = 0 AND COALESCE(ent.n, 0) > 0"),
    (
        "INT-RATIO-POST",
        "block",
        "po.on_duty_staff > 0 AND COALESCE(pst.n, 0) * %(post_den)s > %(post_num)s * po.on_duty_staff",
    ),
    ("INT-RATIO-POST", "warn", "po.on_duty_staff = 0 AND COALESCE(pst.n, 0) > 0"),
]
FLAG_CONDITIONS: list[tuple[str, str, str]] = [
    ("INT-AGE", "block",
     "b.is_post AND (b.birth_date IS NULL OR b.birth_date + make_interval(years => %(min_age)s) > b.start_date)"),
    ("INT-GRADE1", "block",
     "b.is_post AND (b.entry_date IS NULL OR b.start_date < b.entry_date + make_interval(months => %(grade1)s))"),
    ("INT-AGENT", "block", "b.arranged_via IN ('intermediary', 'paid_agent')"),
    ("INT-MINOR", "block", "b.minor_forbidden AND (b.birth_date IS NULL OR b.minor)"),
    ("INT-FEMALE", "block", "b.female_forbidden AND b.gender = 'female'"),
    ("INT-HOL", "block", "b.unfiled AND b.hol_days > 0"),
    ("INT-NIGHT", "block", "b.unfiled AND b.night > 0"),
    ("INT-HOURS", "warn",
     "b.unfiled AND NOT (b.daily_hours > %(max_day)s OR b.weekly_hours > %(max_week)s) AND b.max_hours > %(max_span)s"),
    # The floor for relatively independent work (the lowest-grade alternative from 2021 on); assisting
    # work is owed appropriate pay (rule_pay).
    ("INT-PAY", "block", "b.is_post AND b.work_kind <> 'assisting' AND b.monthly_pay < %(pay_ratio)s::numeric * b.wage_standard"
     " AND NOT (b.end_date >= %(reg_2021_from)s AND b.lowest_grade_wage > 0 AND b.monthly_pay >= b.lowest_grade_wage)"),
    ("INT-PAY", "warn", "b.is_post AND b.work_kind = 'assisting' AND b.monthly_pay <= 0"),
    ("INT-PAY-CYCLE", "block", "b.is_post AND (b.pay_cycle_days > %(pay_days)s OR b.pay_method NOT IN ('bank_transfer', 'cash')"
     " OR NOT b.paid_directly OR b.bad_pay"
     " OR (b.status = 'active' AND %(today)s - COALESCE(b.last_paid, b.start_date) > %(pay_days)s))"),
    ("INT-FEES", "block", "b.agreement_id IS NOT NULL AND b.fee_items <> '[]'::jsonb AND EXISTS ("
     "SELECT 1 FROM jsonb_array_elements(b.fee_items) x"
     " WHERE (CASE jsonb_typeof(x) WHEN 'object' THEN x ->> 'code' ELSE x #>> '{}' END) = ANY(%(fees)s::text[]))"),
    ("INT-ID-DOCS", "block", "COALESCE(b.keeps_id_documents, false)"),
    ("INT-GUARANTEE", "block", "COALESCE(b.guarantee_required, false)"),
    ("INT-PREMIUM", "block", "b.premium_deducted"),
    ("INT-DUR", "block", "b.is_post AND b.end_date >= b.start_date + make_interval(months =>"
     " CASE WHEN b.student_cat LIKE ANY(%(ext_like)s::text[]) AND b.training_plan_reference <> '' THEN %(ext_months)s"
     " ELSE %(usual_months)s END)"),
    ("INT-MAJOR", "block", "b.is_post AND b.post_cat <> '' AND b.student_cat <> '' AND b.post_cat <> b.student_cat"),
    ("INT-AGREE", "block", "b.is_post AND (b.agreement_id IS NULL OR b.agreement_incomplete"
     " OR b.school_signed_on IS NULL OR b.host_signed_on IS NULL OR b.student_signed_on IS NULL"
     " OR b.school_signed_on > b.start_date OR b.host_signed_on > b.start_date OR b.student_signed_on > b.start_date"
     # 知情同意书: every school-arranged 岗位实习 from the 2021 revision on, minors only before (consent_required).
     " OR ((b.minor OR (b.end_date >= %(reg_2021_from)s AND b.arranged_via <> 'self'))"
     " AND (b.guardian_consent_on IS NULL OR b.guardian_consent_file = '')))"),
    ("INT-SELF", "block", "b.arranged_via = 'self' AND (NOT b.is_post OR b.self_application_on IS NULL"
     " OR b.self_approved_on IS NULL OR b.self_approved_on > b.start_date)"),
    ("INT-INS", "block", "b.student_paid OR b.policies = 0 OR (b.policies = 1 AND NOT b.one_covers) OR (b.policies > 1 AND ("
     "NOT EXISTS (SELECT 1 FROM internships_insurancepolicy i WHERE i.placement_id = b.id"
     " AND i.coverage_start <= b.start_date AND i.coverage_end >= b.start_date)"
     " OR EXISTS (SELECT 1 FROM internships_insurancepolicy q WHERE q.placement_id = b.id"
     " AND q.coverage_end + 1 > b.start_date AND q.coverage_end + 1 <= b.end_date"
     " AND NOT EXISTS (SELECT 1 FROM internships_insurancepolicy r WHERE r.placement_id = b.id"
     " AND r.coverage_start <= q.coverage_end + 1 AND r.coverage_end >= q.coverage_end + 1))))"),
    ("INT-ASSESS", "warn", "b.is_post AND COALESCE(b.school_grade, '') = '' AND %(today)s > b.end_date + %(grading_days)s"),
    ("INT-MENTOR", "block", "NOT b.both_mentors"),
    ("INT-FILING", "block", "b.filing_status <> 'filed'"),
    ("INT-STATUS", "block", "NOT b.is_current OR b.enrolment_status <> ALL(%(eligible)s::text[])"),
    ("INT-MISSING", "warn", "b.status = 'active' AND %(today)s - b.start_date >= %(missing)s"
     " AND (b.last_day IS NULL OR %(today)s - b.last_day >= %(missing)s)"),
    # Rules of the 2021 text (in force when some day of the placement is on or after 2021-12-31), read
    # every night so that a host blacklisted or a list withdrawn after the start raises an alert.
    ("INT-HOST-VETTED", "block", "b.in_2021 AND (b.host_assessment_id IS NULL OR b.host_status = 'draft'"
     " OR b.host_assessed_on > b.start_date)"),
    ("INT-HOST-BLACKLIST", "block", "b.in_2021 AND EXISTS (SELECT 1 FROM internships_blacklistentry bl"
     " WHERE bl.enterprise_id = b.enterprise_id AND bl.listed_on <= b.end_date"
     " AND (bl.lifted_on IS NULL OR bl.lifted_on > b.start_date))"),
    ("INT-TRAINING", "block", "b.in_2021 AND b.is_post AND (b.training_on IS NULL OR b.training_on > b.start_date"
     " OR b.test_passed_on IS NULL OR b.test_passed_on > b.start_date)"),
    ("INT-OUTSIDE", "block", "b.in_2021 AND b.destination <> 'in_province' AND (b.outside_approved_on IS NULL"
     " OR b.outside_approved_on > b.start_date OR b.outside_filed_on IS NULL OR b.outside_filed_on > b.start_date)"),
]  # fmt: skip
# The check-in anomalies (anomalies.py) computed in the same pass over check-ins; "info", never blocking.
ANOMALY_CONDITIONS: list[tuple[str, str, str]] = [
    (
        "ANOM-SAME-COORD",
        "info",
        "b.a_n >= %(anom_min)s AND b.a_lat_min = b.a_lat_max AND b.a_lng_min = b.a_lng_max",
    ),
    ("ANOM-FAR", "info", "b.a_far >= 2"),
    (
        "ANOM-CLOCKWORK",
        "info",
        "b.a_n >= %(anom_min)s AND b.a_sec2 / b.a_n - (b.a_sec / b.a_n) ^ 2 <= %(clock_var)s",
    ),
]


def _slice_cond(column: str, sliced: bool) -> str:
    # A range of placement ids: the planner estimates it from its statistics (a modulo looked like
    # 0.5 % of the rows and got nested loops of index probes), and it can use the indexes.
    return f" AND {column} >= %(slice_from)s AND {column} < %(slice_to)s" if sliced else ""


def pg_sql(*, anomalies: bool = False, sliced: bool = False) -> str:
    """The single-pass query: one bit per condition, one row per (placement, rule, severity) found.

    ``sliced``: only the placements with ``%(slice_from)s`` ≤ id < ``%(slice_to)s`` (and only their
    check-ins, mentors, policies and pay records); the caps' counts per host and post still count
    every placement."""
    groups = [
        POST_ALWAYS,
        POST_UNFILED,
        POST_POSTONLY,
        FLAG_CONDITIONS + (ANOMALY_CONDITIONS if anomalies else []),
    ]
    entries = [entry for group in groups for entry in group]
    core_names = {_column_name(c) for c in CORE_COLUMNS}
    masks, core_terms, side_terms, i = [], [], [], 0
    for n, group in enumerate(groups):
        terms = []
        for _rule, _sev, cond in group:
            term = f"(CASE WHEN {cond} THEN {1 << i} ELSE 0 END)"
            if n < 3:
                terms.append(term)
            elif _reads(cond) <= core_names:
                core_terms.append(term)
            else:
                side_terms.append(term)
            i += 1
        if n < 3:
            masks.append(f"({' + '.join(terms) or '0'})::bigint")
    side_reads = set().union(*(_reads(cond) for group in groups[3:] for _r, _s, cond in group)) - {
        _column_name(c) for c in SIDE_COLUMNS
    }
    carried = sorted((side_reads & core_names) | {"id", "status", "start_date", "end_date"})
    bits = ", ".join(f"({1 << n}::bigint, '{rule}', '{sev}')" for n, (rule, sev, _c) in enumerate(entries))
    return PG_SQL.format(
        slice_c=_slice_cond("c.placement_id", sliced),
        slice_other=_slice_cond("placement_id", sliced),
        slice_p=_slice_cond("p.id", sliced),
        night_cond=_night_cond(),
        post_always=masks[0],
        post_unfiled=masks[1],
        post_postonly=masks[2],
        core_columns=", ".join(CORE_COLUMNS),
        core_carried=", ".join(f"b.{name}" for name in carried),
        core_inner_carried=", ".join(
            f"b.{name}" for name in sorted({*carried, "post_id", "unfiled", "is_post"})
        ),
        core_mask=f"({' + '.join(core_terms) or '0'})::bigint",
        side_carried=", ".join(f"c.{name}" for name in carried),
        side_columns=", ".join(SIDE_COLUMNS),
        side_mask=f"({' + '.join(side_terms) or '0'})::bigint",
        bits=bits,
    )


def _night_cond() -> str:
    ns, ne = rules.conf("INTERNSHIP_NIGHT_START"), rules.conf("INTERNSHIP_NIGHT_END")
    op = "OR" if ns > ne else "AND"
    return f"(t >= %(night_start)s::time {op} t < %(night_end)s::time)"


def pg_params(today: dt.date) -> dict:
    from .facts import ELIGIBLE_STATUSES

    unit_num, unit_den = _ratio("INTERNSHIP_UNIT_RATIO")
    post_num, post_den = _ratio("INTERNSHIP_POST_RATIO")
    from .anomalies import _conf as anomaly_conf
    from .anomalies import _window as anomaly_window

    window = max(_conf_int("INTERNSHIP_SWEEP_WINDOW_DAYS", 7), rules.conf("INTERNSHIP_MISSING_DAYS"))
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(today - dt.timedelta(days=window), dt.time.min, tzinfo=tz)
    return {
        "anom_since": anomaly_window(today),
        "anom_min": anomaly_conf("INTERNSHIP_ANOMALY_MIN_CHECKINS", 5),
        "far_m": int(float(anomaly_conf("INTERNSHIP_GEOFENCE_KM", 3)) * 1000),
        "clock_var": float(anomaly_conf("INTERNSHIP_CLOCKWORK_SECONDS", 30)) ** 2,
        "tz": str(tz),
        "since": since,
        "today": today,
        # The statutory holidays of the window (the kernel calendar, core.workdays).
        "holidays": workdays.calendar().holidays_between(since.date(), today),
        "ended_since": today - dt.timedelta(days=365),
        "night_start": rules.conf("INTERNSHIP_NIGHT_START"),
        "night_end": rules.conf("INTERNSHIP_NIGHT_END"),
        "adult": rules.conf("INTERNSHIP_ADULT_AGE"),
        "reg_2021_from": rules.VERSIONS["2021"][1],
        "min_age": rules.conf("INTERNSHIP_MIN_AGE"),
        "grade1": rules.conf("INTERNSHIP_GRADE_ONE_MONTHS"),
        "venue_like": _like_any(rules.conf("INTERNSHIP_ENTERTAINMENT_KEYWORDS")),
        "agency_like": _like_any(rules.conf("INTERNSHIP_AGENCY_KEYWORDS")),
        "max_phys": rules.conf("INTERNSHIP_MAX_PHYSICAL_LEVEL"),
        "night_posts": night_post_ids(),
        "max_day": rules.conf("INTERNSHIP_MAX_DAILY_HOURS"),
        "max_week": rules.conf("INTERNSHIP_MAX_WEEKLY_HOURS"),
        "max_span": rules.conf("INTERNSHIP_MAX_DAILY_HOURS") + rules.conf("INTERNSHIP_BREAK_HOURS"),
        "unit_num": unit_num,
        "unit_den": unit_den,
        "post_num": post_num,
        "post_den": post_den,
        "pay_ratio": str(rules.conf("INTERNSHIP_PAY_RATIO")),
        "pay_days": rules.conf("INTERNSHIP_MAX_PAY_INTERVAL_DAYS"),
        "fees": list(rules.conf("INTERNSHIP_FEE_BLOCKLIST")),
        "ext_like": ["%" + n + "%" for n in rules.conf("INTERNSHIP_EXTENDED_CATEGORIES")],
        "ext_months": rules.conf("INTERNSHIP_EXTENDED_MONTHS"),
        "usual_months": rules.conf("INTERNSHIP_POST_MONTHS"),
        "grading_days": rules.conf("INTERNSHIP_GRADING_DUE_DAYS"),
        "eligible": sorted(str(x) for x in ELIGIBLE_STATUSES),
        "missing": rules.conf("INTERNSHIP_MISSING_DAYS"),
    }


def sweep_slices() -> int:
    """Connections the PostgreSQL pass is split over: ``INTERNSHIP_SWEEP_SLICES``, by default the
    machine's CPUs (at most 4). 1 keeps the single statement on the sweep's own connection."""
    configured = getattr(settings, "INTERNSHIP_SWEEP_SLICES", None)
    return max(1, int(configured) if configured else min(4, os.cpu_count() or 1))


_WORK_MEM = re.compile(r"^[0-9]{1,7}\s*(kB|MB|GB)$")


def _session_settings(cursor) -> None:
    """For the pass's transaction only: no JIT (compiling the long CASE expressions costs seconds and
    saves nothing at this size) and ``INTERNSHIP_SWEEP_WORK_MEM`` (default 64MB) per sort or hash, so
    the per-placement hashes and sorts stay in memory instead of spilling to disk (about 15 %
    of the pass at 350,000 placements with the server's default of 4MB)."""
    cursor.execute("SET LOCAL jit = off")
    work_mem = str(getattr(settings, "INTERNSHIP_SWEEP_WORK_MEM", "64MB") or "").strip()
    if work_mem:
        if not _WORK_MEM.match(work_mem):
            raise ValueError(f"INTERNSHIP_SWEEP_WORK_MEM must look like 64MB, not {work_mem!r}")
        cursor.execute(f"SET LOCAL work_mem = '{work_mem}'")


_SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")


def _fill_pg(today: dt.date, *, anomalies: bool = False, slices: int = 1) -> None:
    """The temp table made by ``CREATE TABLE … AS`` the single pass: unlike ``INSERT … SELECT`` (PostgreSQL
    15), it may use parallel workers, as the benchmark's one-statement baseline does.

    With ``slices`` > 1 the placements are split by id modulo ``slices``: this connection evaluates
    slice 0 into the table while one thread per other slice evaluates its share on its own
    connection, all reading ONE snapshot exported by this transaction (``pg_export_snapshot``, as
    pg_dump's parallel jobs do), so the result is exactly that of the single statement. The threads'
    rows are then copied in. Most of the pass (joins and per-placement aggregates) cannot use
    PostgreSQL's own parallel workers, so on a multi-core server this divides the wall time."""
    params = pg_params(today)
    with connection.cursor() as cursor:
        _session_settings(cursor)
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP}")
        if slices <= 1:
            cursor.execute(f"CREATE TEMPORARY TABLE {TEMP} AS {pg_sql(anomalies=anomalies)}", params)
            return
        cursor.execute("SELECT pg_export_snapshot(), min(id), max(id) FROM internships_placement")
        snapshot, low, high = cursor.fetchone()
        if low is None:
            cursor.execute(f"CREATE TEMPORARY TABLE {TEMP} AS {pg_sql(anomalies=anomalies)}", params)
            return
        # Equal ranges of ids (new placements get higher ids, so the swept ones are spread evenly
        # enough; a skew only makes one slice finish later).
        step = (high - low) // slices + 1
        bounds = [(low + k * step, low + (k + 1) * step) for k in range(slices)]
        sql = pg_sql(anomalies=anomalies, sliced=True)
        results: dict[int, list] = {}
        errors: list[BaseException] = []
        threads = [
            threading.Thread(
                target=_slice_worker,
                args=(
                    snapshot,
                    sql,
                    {**params, "slice_from": bounds[k][0], "slice_to": bounds[k][1]},
                    results,
                    errors,
                    k,
                ),
                name=f"internship-sweep-slice-{k}",
                daemon=True,
            )
            for k in range(1, slices)
        ]
        for thread in threads:
            thread.start()
        try:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {TEMP} AS {sql}",
                {**params, "slice_from": bounds[0][0], "slice_to": bounds[0][1]},
            )
        finally:
            for thread in threads:
                thread.join()
        if errors:
            raise errors[0]
        rows = [row for k in sorted(results) for row in results[k]]
        if rows:
            with cursor.cursor.copy(f"COPY {TEMP} (placement_id, rule_id, severity) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def _slice_worker(snapshot: str, sql: str, params: dict, results: dict, errors: list, k: int) -> None:
    """One slice of the pass on this thread's own connection, inside the sweep's exported snapshot."""
    from django.db import connections

    try:
        if not _SNAPSHOT_ID.match(snapshot):  # inlined below: SET takes no bound parameters
            raise ValueError(f"unexpected snapshot id {snapshot!r}")
        with transaction.atomic():
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                _session_settings(cursor)
                cursor.execute(sql, params)
                results[k] = cursor.fetchall()
    except BaseException as exc:  # re-raised by the sweep's own thread
        errors.append(exc)
    finally:
        connections[DEFAULT_DB_ALIAS].close()


def _fill_python(today: dt.date) -> None:
    """Small databases (SQLite): the pure rules per placement, with the same check-in observations."""
    from .facts import checkin_observations, placement_facts

    ended_since = today - dt.timedelta(days=365)
    ids = list(Placement.objects.filter(status=PlacementStatus.ACTIVE).values_list("pk", flat=True)) + list(
        Placement.objects.filter(
            status=PlacementStatus.ENDED, plan__kind=InternshipKind.POST, end_date__gte=ended_since
        ).values_list("pk", flat=True)
    )
    observed = checkin_observations(today=today)
    every = {**rules.RULES, **rules.SWEEP_ONLY}
    rows = []
    for pk in ids:
        placement = Placement(pk=pk)
        f = placement_facts(placement, today=today, cap_day=today)
        for name, value in observed.get(pk, {}).items():
            setattr(f, name, value)
        # The host and readiness rules of the 2021 text, where a day of the placement falls in it.
        in_force = rules.rules_in_force(f.start_date, f.end_date)
        checks = {**every, **{k: in_force[k] for k in rules.SWEPT_READINESS if k in in_force}}
        for v in rules.evaluate(f, rules=checks):
            if v.severity == rules.EXCEPTED:
                continue  # passes by an approved exception
            if f.status == PlacementStatus.ACTIVE or v.rule_id == "INT-ASSESS":
                rows.append((pk, v.rule_id, v.severity))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {TEMP} (placement_id, rule_id, severity) VALUES (%s, %s, %s)", rows)


def _create_temp() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {TEMP} (placement_id bigint NOT NULL, rule_id varchar(30) NOT NULL, severity varchar(10) NOT NULL)"
        )


def violations_found() -> list[tuple[int, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT placement_id, rule_id, severity FROM {TEMP} ORDER BY 1, 2")
        return list(cursor.fetchall())


def _usable_slices(slices: int | None) -> int:
    """Slices need committed data (other connections cannot see this transaction's own writes), so
    inside a caller's transaction — tests, or a sweep called from a write — the pass stays on one
    connection."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return sweep_slices() if slices is None else max(1, slices)


def compute_violations(
    *,
    today: dt.date | None = None,
    backend: str | None = None,
    anomalies: bool = False,
    slices: int | None = None,
) -> list[tuple[int, str, str]]:
    """The (placement, rule, severity) triples of a sweep, without touching alerts (used by tests)."""
    from .anomalies import fill_anomalies

    today = today or timezone.localdate()
    slices = _usable_slices(slices)
    with transaction.atomic():
        _create_temp()
        if (backend or connection.vendor) == "postgresql":
            _fill_pg(today, anomalies=anomalies, slices=slices)
            skip = tuple(rule for rule, _s, _c in ANOMALY_CONDITIONS)
        else:
            _fill_python(today)
            skip = ()
        if anomalies:
            fill_anomalies(table=TEMP, today=today, skip=skip)
        out = violations_found()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {TEMP}")
    return out


def _reconcile(now: dt.datetime, rule_ids: list[str]) -> dict[str, int]:
    """Open, refresh and resolve alerts against the temp table; messages are the English rule titles.

    One hash FULL JOIN of the open alerts with today's violations sets the differences aside
    (``{TEMP}_diff``): an alert with no violation any more (of a rule this sweep checked) is
    resolved, a violation with no open alert opens one, and one whose severity changed rewrites it.
    A steady day — the same violations as yesterday — finds no difference and writes nothing but the
    escalations. (Before: three correlated passes over the open alerts, each probing an index of
    the temp table once per alert.)"""
    city_days = _conf_int("INTERNSHIP_ESCALATE_CITY_DAYS", 7)
    province_days = _conf_int("INTERNSHIP_ESCALATE_PROVINCE_DAYS", 14)
    titles_case = " ".join(f"WHEN '{rid}' THEN %s" for rid in rules.RULE_TITLES)
    title_params = list(rules.RULE_TITLES.values())
    with connection.cursor() as c:
        c.execute(f"DROP TABLE IF EXISTS {TEMP}_diff")
        # FULL JOIN is planned as a hash or merge join only: no per-alert index probes whatever the
        # temp table's (unanalysed) statistics say.
        open_alerts = (
            "(SELECT id, placement_id, rule_id, severity FROM internships_alert WHERE resolved_at IS NULL)"
        )
        if connection.vendor == "postgresql":
            diff = f"""SELECT a.id AS alert_id, a.rule_id AS alert_rule, v.placement_id, v.rule_id, v.severity
                FROM {open_alerts} a FULL JOIN {TEMP} v ON v.placement_id = a.placement_id AND v.rule_id = a.rule_id
                WHERE a.id IS NULL OR v.placement_id IS NULL OR a.severity <> v.severity"""
        else:  # the same rows without FULL JOIN (SQLite before 3.39)
            diff = f"""SELECT a.id AS alert_id, a.rule_id AS alert_rule, v.placement_id, v.rule_id, v.severity
                FROM {open_alerts} a LEFT JOIN {TEMP} v ON v.placement_id = a.placement_id AND v.rule_id = a.rule_id
                WHERE v.placement_id IS NULL OR a.severity <> v.severity
                UNION ALL
                SELECT NULL, NULL, v.placement_id, v.rule_id, v.severity
                FROM {TEMP} v LEFT JOIN {open_alerts} a ON v.placement_id = a.placement_id AND v.rule_id = a.rule_id
                WHERE a.id IS NULL"""
        c.execute(f"CREATE TEMPORARY TABLE {TEMP}_diff AS {diff}")
        c.execute(
            f"""UPDATE internships_alert SET resolved_at = %s
                FROM {TEMP}_diff d WHERE internships_alert.id = d.alert_id AND d.placement_id IS NULL
                  AND d.alert_rule IN ({", ".join(["%s"] * len(rule_ids))})
                RETURNING internships_alert.id""",
            [now, *rule_ids],
        )
        changes = [(r[0], "alert.cleared", {"resolved_at": None}, {"resolved_at": now}) for r in c.fetchall()]
        resolved = len(changes)
        # ``last_seen`` is the last change: an open alert is current as of the last sweep.
        c.execute(
            f"""SELECT d.alert_id, a.severity, d.severity FROM {TEMP}_diff d
                JOIN internships_alert a ON a.id = d.alert_id WHERE d.placement_id IS NOT NULL"""
        )
        changes += [
            (pk, "alert.changed", {"severity": old}, {"severity": new}) for pk, old, new in c.fetchall()
        ]
        c.execute(
            f"""UPDATE internships_alert SET last_seen = %s, severity = d.severity
                FROM {TEMP}_diff d WHERE internships_alert.id = d.alert_id AND d.placement_id IS NOT NULL""",
            [now],
        )
        refreshed = c.rowcount
        c.execute(
            f"""INSERT INTO internships_alert (placement_id, institution_id, enterprise_id, rule_id, severity, message,
                                               first_seen, last_seen, resolved_at, escalation_level, escalated_at)
                SELECT d.placement_id, p.institution_id, p.enterprise_id, d.rule_id, d.severity,
                       CASE d.rule_id {titles_case} ELSE d.rule_id END, %s, %s, NULL, 0, NULL
                FROM {TEMP}_diff d JOIN internships_placement p ON p.id = d.placement_id
                WHERE d.alert_id IS NULL
                RETURNING id, severity""",
            [*title_params, now, now],
        )
        new_alerts = c.fetchall()
        changes += [(pk, "alert.raised", None, {"severity": sev}) for pk, sev in new_alerts]
        opened = len(new_alerts)
        c.execute(f"DROP TABLE {TEMP}_diff")
        escalated = 0
        for level, days in ((EscalationLevel.PROVINCE, province_days), (EscalationLevel.CITY, city_days)):
            c.execute(
                """UPDATE internships_alert SET escalation_level = %s, escalated_at = %s
                   WHERE resolved_at IS NULL AND severity <> 'info' AND escalation_level < %s AND first_seen <= %s
                   RETURNING id""",
                [int(level), now, int(level), now - dt.timedelta(days=days)],
            )
            rows = c.fetchall()
            changes += [(r[0], "alert.escalated", None, {"escalation_level": int(level)}) for r in rows]
            escalated += len(rows)
    _audit_alert_changes(now, changes)
    return {"opened": opened, "refreshed": refreshed, "resolved": resolved, "escalated": escalated}


def _audit_alert_changes(now: dt.datetime, changes: list[tuple]) -> int:
    """One audit entry per alert the sweep opened, cleared, re-graded or escalated (a steady day
    writes few), through the one audit writer; the scope paths in one query."""
    if not changes:
        return 0
    from zhijiao.core.audit import AuditAction, actor_fields, entry_row, write_entries

    from .models import Alert

    info = {
        pk: (rule_id, path or "")
        for pk, rule_id, path in Alert.objects.filter(pk__in={c[0] for c in changes}).values_list(
            "pk", "rule_id", "institution__region__path"
        )
    }
    who = actor_fields(None)
    rows = [
        entry_row(
            who=who,
            action=AuditAction.CREATE if event == "alert.raised" else AuditAction.UPDATE,
            event=event,
            object_type="internships.alert",
            object_id=str(pk),
            object_repr=info.get(pk, ("", ""))[0],
            scope_path=info.get(pk, ("", ""))[1],
            before=before,
            after=after,
            timestamp=now,
        )
        for pk, event, before, after in changes
    ]
    return write_entries(rows)


def run_sweep(
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    anomalies: bool = True,
    slices: int | None = None,
) -> dict:
    """The daily sweep (``manage.py internship_sweep``); returns counts and timings."""
    from .anomalies import fill_anomalies

    now = now or timezone.now()
    today = today or timezone.localdate(now)
    timings = {}
    slices = _usable_slices(slices)
    with transaction.atomic():
        t0 = time.perf_counter()
        _create_temp()
        on_pg = connection.vendor == "postgresql"
        if on_pg:
            _fill_pg(today, anomalies=anomalies, slices=slices)  # check-in anomalies in the same pass
        else:
            _fill_python(today)
        timings["rules_s"] = round(time.perf_counter() - t0, 3)
        rule_ids = swept_rule_ids()
        if anomalies:
            t1 = time.perf_counter()
            done = tuple(rule for rule, _s, _c in ANOMALY_CONDITIONS) if on_pg else ()
            rule_ids += fill_anomalies(table=TEMP, today=today, skip=done)
            timings["anomalies_s"] = round(time.perf_counter() - t1, 3)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TEMP}")
            found = cursor.fetchone()[0]
        t2 = time.perf_counter()
        counts = _reconcile(now, rule_ids)
        timings["reconcile_s"] = round(time.perf_counter() - t2, 3)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {TEMP}")
    return {"violations": found, "slices": slices, **counts, **timings}

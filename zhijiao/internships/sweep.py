"""The daily compliance sweep: every rule over every active placement, set-based.

1. Violations go into a temporary table ``sweep_v(placement_id, rule_id, severity)``:
   - on PostgreSQL by ONE ``CREATE TEMPORARY TABLE … AS SELECT`` whose CASE columns mirror the pure rules of ``rules.py``
     (a test runs both and compares them);
   - elsewhere (SQLite demo) by evaluating the pure rules per placement.
2. Anomaly flags (``anomalies.py``) are added, as severity "info".
3. Alerts are reconciled with a few set-based statements: new violations open alerts, vanished ones
   resolve them, unresolved ones escalate to the city and then the province after N days.
"""

from __future__ import annotations

import datetime as dt
import time
from fractions import Fraction

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import rules
from .choices import EscalationLevel, InternshipKind, PlacementStatus
from .models import Placement, Post

TEMP = "internships_sweep_v"


def _conf_int(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def swept_rule_ids() -> list[str]:
    return [*rules.RULES, *rules.SWEEP_ONLY]


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
        for pk, start, end in Post.objects.filter(placements__status=PlacementStatus.ACTIVE)
        .distinct()
        .values_list("pk", "shift_start", "shift_end")
        if rules.shift_overlaps_night(start, end)
    ]


PG_SQL = """
WITH ci AS (
    SELECT c.placement_id, c.kind, (c.occurred_at AT TIME ZONE %(tz)s) AS lt, c.latitude, c.longitude, c.distance_m,
           c.occurred_at >= %(anom_since)s AS anom, c.occurred_at >= %(since)s AS rule
    FROM internships_checkin c
    WHERE c.occurred_at >= LEAST(%(since)s, %(anom_since)s)
), days AS (
    SELECT placement_id, lt::date AS d, bool_or(rule) AS rule_day,
           date_part('epoch', max(lt) FILTER (WHERE kind = 'END' AND rule) - min(lt) FILTER (WHERE kind = 'START' AND rule))
             / 3600.0 AS hours,
           count(*) FILTER (WHERE rule AND {night_cond}) AS night,
           -- anomaly aggregates (anomalies.py, clock-ins of the anomaly window)
           count(*) FILTER (WHERE anom AND kind = 'START') AS a_n,
           min(latitude) FILTER (WHERE anom AND kind = 'START') AS a_lat_min,
           max(latitude) FILTER (WHERE anom AND kind = 'START') AS a_lat_max,
           min(longitude) FILTER (WHERE anom AND kind = 'START') AS a_lng_min,
           max(longitude) FILTER (WHERE anom AND kind = 'START') AS a_lng_max,
           count(*) FILTER (WHERE anom AND distance_m > %(far_m)s) AS a_far,
           -- date_part (float8), not EXTRACT (numeric since PostgreSQL 14): a third of this pass's time
           sum(date_part('epoch', lt::time)) FILTER (WHERE anom AND kind = 'START') AS a_sec,
           sum(date_part('epoch', lt::time) ^ 2) FILTER (WHERE anom AND kind = 'START') AS a_sec2
    FROM ci GROUP BY placement_id, lt::date
), stats AS (
    SELECT placement_id, max(hours) AS max_hours, sum(night) AS night, max(d) FILTER (WHERE rule_day) AS last_day,
           count(*) FILTER (WHERE rule_day AND d IN (
               SELECT h.date FROM internships_holidaycalendar h WHERE h.kind = 'holiday')) AS hol_days,
           sum(a_n) AS a_n, min(a_lat_min) AS a_lat_min, max(a_lat_max) AS a_lat_max, min(a_lng_min) AS a_lng_min,
           max(a_lng_max) AS a_lng_max, sum(a_far) AS a_far, sum(a_sec) AS a_sec, sum(a_sec2) AS a_sec2
    FROM days GROUP BY placement_id
), cur AS (
    SELECT p.enterprise_id, p.post_id FROM internships_placement p
    JOIN internships_internshipplan pl ON pl.id = p.plan_id
    WHERE p.status = 'active' AND pl.kind = 'post' AND p.start_date <= %(today)s AND p.end_date >= %(today)s
), ent AS (SELECT enterprise_id, count(*) AS n FROM cur GROUP BY enterprise_id
), pst AS (SELECT post_id, count(*) AS n FROM cur GROUP BY post_id
), entk AS (
    SELECT id, upper(name) LIKE ANY(%(venue_like)s::text[]) AS venue_kw, upper(name) LIKE ANY(%(agency_like)s::text[]) AS agency_kw
    FROM enterprises_enterprise
), nightp AS (
    SELECT DISTINCT unnest(%(night_posts)s::bigint[]) AS post_id
), postk AS (
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
           bool_or(method NOT IN ('bank_transfer', 'cash') OR NOT paid_to_student) AS bad
    FROM internships_payrecord GROUP BY placement_id
), men AS (
    SELECT placement_id, bool_or(kind = 'school') AND bool_or(kind = 'host') AS both
    FROM internships_mentorassignment WHERE is_current GROUP BY placement_id
), ins AS (
    -- The span is only read when there is exactly one policy (INT-INS), so no join to the placements here.
    SELECT placement_id, count(*) AS n, bool_or(premium_payer = 'student') AS student_paid,
           min(coverage_start) AS cov_start, max(coverage_end) AS cov_end
    FROM internships_insurancepolicy GROUP BY placement_id
), base AS (
    SELECT p.id, p.status, p.start_date, p.end_date, p.arranged_via, p.monthly_pay, p.pay_cycle_days, p.pay_method,
           p.paid_directly, p.special_arrangement_ref = '' AS unfiled,
           pl.kind = 'post' AS is_post, pl.filing_status, pl.training_plan_reference,
           po.id AS post_id, po.venue_kind, po.physical_labour_level, po.high_risk, po.minor_forbidden, po.female_forbidden,
           po.daily_hours, po.weekly_hours, po.works_holidays, po.overtime, po.wage_standard, po.lowest_grade_wage,
           postk.always_bits, postk.unfiled_bits, postk.postonly_bits,
           s.birth_date, s.gender, e.entry_date, e.is_current, e.status AS enrolment_status,
           pcat.name AS post_cat, scat.name AS student_cat,
           (s.birth_date IS NOT NULL AND s.birth_date + make_interval(years => %(adult)s) > p.start_date) AS minor,
           a.id AS agreement_id, a.fee_items, a.school_signed_on, a.host_signed_on, a.student_signed_on,
           a.guardian_consent_on, a.guardian_consent_file,
           (a.location = '' OR a.content = '' OR a.hours_and_rest = '' OR a.board_lodging = '' OR a.safety_protection = ''
            OR a.insurance_policy_no = '' OR a.accident_handling = '' OR a.assessment_method = '' OR a.pay_amount IS NULL
            OR a.pay_cycle = '' OR a.breach_liability = '') AS agreement_incomplete,
           ev.school_grade,
           st.max_hours, COALESCE(st.night, 0) AS night, COALESCE(st.hol_days, 0) AS hol_days, st.last_day,
           COALESCE(st.a_n, 0) AS a_n, st.a_lat_min, st.a_lat_max, st.a_lng_min, st.a_lng_max,
           COALESCE(st.a_far, 0) AS a_far, st.a_sec, st.a_sec2,
           pay.last_paid, COALESCE(pay.bad, false) AS bad_pay, COALESCE(men.both, false) AS both_mentors,
           COALESCE(ins.n, 0) AS policies, COALESCE(ins.student_paid, false) AS student_paid,
           COALESCE(ins.cov_start <= p.start_date AND ins.cov_end >= p.end_date, false) AS one_covers
    FROM internships_placement p
    JOIN internships_internshipplan pl ON pl.id = p.plan_id
    JOIN internships_post po ON po.id = p.post_id
    JOIN majors_majorcategory pcat ON pcat.id = po.major_category_id
    JOIN postk ON postk.post_id = p.post_id
    JOIN students_enrolment e ON e.id = p.enrolment_id
    JOIN students_student s ON s.id = e.student_id
    JOIN majors_institutionmajor om ON om.id = e.offering_id
    JOIN majors_major mj ON mj.id = om.major_id
    JOIN majors_majorclass mc ON mc.id = mj.major_class_id
    JOIN majors_majorcategory scat ON scat.id = mc.category_id
    LEFT JOIN internships_agreement a ON a.placement_id = p.id
    LEFT JOIN internships_evaluation ev ON ev.placement_id = p.id
    LEFT JOIN stats st ON st.placement_id = p.id
    LEFT JOIN pay ON pay.placement_id = p.id
    LEFT JOIN men ON men.placement_id = p.id
    LEFT JOIN ins ON ins.placement_id = p.id
    WHERE p.status = 'active' OR (p.status = 'ended' AND pl.kind = 'post' AND p.end_date >= %(ended_since)s)
), flags AS MATERIALIZED (
    SELECT b.id, b.status,
           {mask} | b.always_bits | (CASE WHEN b.unfiled THEN b.unfiled_bits ELSE 0 END)
             | (CASE WHEN b.is_post THEN b.postonly_bits ELSE 0 END) AS mask
    FROM base b
)
SELECT DISTINCT f.id AS placement_id, r.rule_id, r.severity
FROM flags f JOIN (VALUES {bits}) AS r (bit, rule_id, severity) ON f.mask & r.bit <> 0
WHERE f.mask <> 0 AND (f.status = 'active' OR r.rule_id = 'INT-ASSESS')
"""


# Each entry mirrors (part of) the pure rule of the same id. Per-post conditions (``po``, ``entk``,
# ``nightp``, ``ent``, ``pst`` columns) are evaluated once per post: always, only when the placement
# has no filed special arrangement, or only for post internships. The rest run per placement (``b``).
POST_ALWAYS: list[tuple[str, str, str]] = [
    ("INT-VENUE", "block", "po.venue_kind <> 'ordinary' OR entk.venue_kw"),
    ("INT-AGENT", "block", "entk.agency_kw"),
    ("INT-PHYS", "block", "po.physical_labour_level > %(max_phys)s"),
    ("INT-HOURS", "block", "po.daily_hours > %(max_day)s OR po.weekly_hours > %(max_week)s"),
]
POST_UNFILED: list[tuple[str, str, str]] = [
    ("INT-PHYS", "block", "po.high_risk"),
    ("INT-HOL", "block", "po.works_holidays"),
    ("INT-NIGHT", "block", "po.overtime OR nightp.post_id IS NOT NULL"),
]
POST_POSTONLY: list[tuple[str, str, str]] = [
    ("INT-RATIO-UNIT", "block", "COALESCE(ent.n, 0) * %(unit_den)s > %(unit_num)s * en.headcount"),
    ("INT-RATIO-POST", "block", "COALESCE(pst.n, 0) * %(post_den)s > %(post_num)s * po.on_duty_staff"),
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
     "NOT (b.daily_hours > %(max_day)s OR b.weekly_hours > %(max_week)s) AND b.max_hours > %(max_span)s"),
    ("INT-PAY", "block", "b.is_post AND b.monthly_pay < %(pay_ratio)s::numeric * b.wage_standard"
     " AND NOT (b.lowest_grade_wage > 0 AND b.monthly_pay >= b.lowest_grade_wage)"),
    ("INT-PAY-CYCLE", "block", "b.is_post AND (b.pay_cycle_days > %(pay_days)s OR b.pay_method NOT IN ('bank_transfer', 'cash')"
     " OR NOT b.paid_directly OR b.bad_pay"
     " OR (b.status = 'active' AND %(today)s - COALESCE(b.last_paid, b.start_date) > %(pay_days)s))"),
    ("INT-FEES", "block", "b.agreement_id IS NOT NULL AND b.fee_items <> '[]'::jsonb AND EXISTS ("
     "SELECT 1 FROM jsonb_array_elements(b.fee_items) x"
     " WHERE (CASE jsonb_typeof(x) WHEN 'object' THEN x ->> 'code' ELSE x #>> '{}' END) = ANY(%(fees)s::text[]))"),
    ("INT-DUR", "block", "b.is_post AND b.end_date >= b.start_date + make_interval(months =>"
     " CASE WHEN b.student_cat LIKE ANY(%(ext_like)s::text[]) AND b.training_plan_reference <> '' THEN %(ext_months)s"
     " ELSE %(usual_months)s END)"),
    ("INT-MAJOR", "block", "b.is_post AND b.post_cat <> '' AND b.student_cat <> '' AND b.post_cat <> b.student_cat"),
    ("INT-AGREE", "block", "b.is_post AND (b.agreement_id IS NULL OR b.agreement_incomplete"
     " OR b.school_signed_on IS NULL OR b.host_signed_on IS NULL OR b.student_signed_on IS NULL"
     " OR b.school_signed_on > b.start_date OR b.host_signed_on > b.start_date OR b.student_signed_on > b.start_date"
     " OR (b.minor AND (b.guardian_consent_on IS NULL OR b.guardian_consent_file = '')))"),
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


def pg_sql(*, anomalies: bool = False) -> str:
    """The single-pass query: one bit per condition, one row per (placement, rule, severity) found."""
    groups = [
        POST_ALWAYS,
        POST_UNFILED,
        POST_POSTONLY,
        FLAG_CONDITIONS + (ANOMALY_CONDITIONS if anomalies else []),
    ]
    entries = [entry for group in groups for entry in group]
    masks, i = [], 0
    for group in groups:
        terms = []
        for _rule, _sev, cond in group:
            terms.append(f"(CASE WHEN {cond} THEN {1 << i} ELSE 0 END)")
            i += 1
        masks.append(f"({' + '.join(terms) or '0'})::bigint")
    bits = ", ".join(f"({1 << n}::bigint, '{rule}', '{sev}')" for n, (rule, sev, _c) in enumerate(entries))
    return PG_SQL.format(
        night_cond=_night_cond(),
        post_always=masks[0],
        post_unfiled=masks[1],
        post_postonly=masks[2],
        mask=masks[3],
        bits=bits,
    )


def _night_cond() -> str:
    ns, ne = rules.conf("INTERNSHIP_NIGHT_START"), rules.conf("INTERNSHIP_NIGHT_END")
    op = "OR" if ns > ne else "AND"
    return f"(lt::time >= %(night_start)s::time {op} lt::time < %(night_end)s::time)"


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
        "ended_since": today - dt.timedelta(days=365),
        "night_start": rules.conf("INTERNSHIP_NIGHT_START"),
        "night_end": rules.conf("INTERNSHIP_NIGHT_END"),
        "adult": rules.conf("INTERNSHIP_ADULT_AGE"),
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


def _fill_pg(today: dt.date, *, anomalies: bool = False) -> None:
    """The temp table made by ``CREATE TABLE … AS`` the single pass: unlike ``INSERT … SELECT`` (PostgreSQL
    15), it may use parallel workers, as the benchmark's one-statement baseline does."""
    sql = pg_sql(anomalies=anomalies)
    with connection.cursor() as cursor:
        # JIT-compiling the long CASE expression costs seconds and saves nothing at this size.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP}")
        cursor.execute(f"CREATE TEMPORARY TABLE {TEMP} AS {sql}", pg_params(today))


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
        for v in rules.evaluate(f, rules=every):
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


def compute_violations(
    *, today: dt.date | None = None, backend: str | None = None, anomalies: bool = False
) -> list[tuple[int, str, str]]:
    """The (placement, rule, severity) triples of a sweep, without touching alerts (used by tests)."""
    from .anomalies import fill_anomalies

    today = today or timezone.localdate()
    with transaction.atomic():
        _create_temp()
        if (backend or connection.vendor) == "postgresql":
            _fill_pg(today, anomalies=anomalies)
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


def _index_temp() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {TEMP}_idx ON {TEMP} (placement_id, rule_id)")
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {TEMP}")


def _reconcile(now: dt.datetime, rule_ids: list[str]) -> dict[str, int]:
    """Open, refresh and resolve alerts against the temp table; messages are the English rule titles."""
    _index_temp()
    city_days = _conf_int("INTERNSHIP_ESCALATE_CITY_DAYS", 7)
    province_days = _conf_int("INTERNSHIP_ESCALATE_PROVINCE_DAYS", 14)
    placeholders = ", ".join(["%s"] * len(rule_ids))
    titles_case = " ".join(f"WHEN '{rid}' THEN %s" for rid in rules.RULE_TITLES)
    title_params = list(rules.RULE_TITLES.values())
    with connection.cursor() as c:
        c.execute(
            f"""UPDATE internships_alert SET resolved_at = %s
                WHERE resolved_at IS NULL AND rule_id IN ({placeholders}) AND NOT EXISTS (
                  SELECT 1 FROM {TEMP} v WHERE v.placement_id = internships_alert.placement_id AND v.rule_id = internships_alert.rule_id)""",
            [now, *rule_ids],
        )
        resolved = c.rowcount
        # Only alerts whose severity changed are rewritten: an open alert is current as of the last
        # sweep (``last_seen`` is the last change), so a steady day writes almost nothing.
        # UPDATE … FROM (PostgreSQL ≥ 9, SQLite ≥ 3.33): one join, no correlated subquery per row.
        c.execute(
            f"""UPDATE internships_alert SET last_seen = %s, severity = v.severity
                FROM {TEMP} v
                WHERE internships_alert.resolved_at IS NULL AND v.placement_id = internships_alert.placement_id
                  AND v.rule_id = internships_alert.rule_id AND internships_alert.severity <> v.severity""",
            [now],
        )
        refreshed = c.rowcount
        # The new violations are set aside first: an anti-join against the table being inserted into
        # would re-read its growing heap for every row (quadratic on the first sweep of a large province).
        c.execute(f"DROP TABLE IF EXISTS {TEMP}_new")
        c.execute(
            f"""CREATE TEMPORARY TABLE {TEMP}_new AS
                SELECT v.placement_id, v.rule_id, v.severity FROM {TEMP} v
                WHERE NOT EXISTS (SELECT 1 FROM internships_alert a WHERE a.resolved_at IS NULL
                                  AND a.placement_id = v.placement_id AND a.rule_id = v.rule_id)"""
        )
        c.execute(
            f"""INSERT INTO internships_alert (placement_id, institution_id, enterprise_id, rule_id, severity, message,
                                               first_seen, last_seen, resolved_at, escalation_level, escalated_at)
                SELECT v.placement_id, p.institution_id, p.enterprise_id, v.rule_id, v.severity,
                       CASE v.rule_id {titles_case} ELSE v.rule_id END, %s, %s, NULL, 0, NULL
                FROM {TEMP}_new v JOIN internships_placement p ON p.id = v.placement_id""",
            [*title_params, now, now],
        )
        opened = c.rowcount
        c.execute(f"DROP TABLE {TEMP}_new")
        escalated = 0
        for level, days in ((EscalationLevel.PROVINCE, province_days), (EscalationLevel.CITY, city_days)):
            c.execute(
                """UPDATE internships_alert SET escalation_level = %s, escalated_at = %s
                   WHERE resolved_at IS NULL AND severity <> 'info' AND escalation_level < %s AND first_seen <= %s""",
                [int(level), now, int(level), now - dt.timedelta(days=days)],
            )
            escalated += c.rowcount
    return {"opened": opened, "refreshed": refreshed, "resolved": resolved, "escalated": escalated}


def run_sweep(
    *, today: dt.date | None = None, now: dt.datetime | None = None, anomalies: bool = True
) -> dict:
    """The daily sweep (``manage.py internship_sweep``); returns counts and timings."""
    from .anomalies import fill_anomalies

    now = now or timezone.now()
    today = today or timezone.localdate(now)
    timings = {}
    with transaction.atomic():
        t0 = time.perf_counter()
        _create_temp()
        on_pg = connection.vendor == "postgresql"
        if on_pg:
            _fill_pg(today, anomalies=anomalies)  # check-in anomalies in the same pass
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
    return {"violations": found, **counts, **timings}

"""Certificates counted per school by the database (``core.counters``): k1 status, k2 published
('true'/'false'), k3 current ('true'/'false'). ``credentials`` 0004 installs it."""

from zhijiao.core.counters import TallySpec

CERTIFICATES = TallySpec(
    "certificates",
    "credentials_certificate",
    "institution_id",
    ("r.status", "r.published_at IS NOT NULL", "r.is_current"),
)

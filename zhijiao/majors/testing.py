"""Test helpers of majors: catalogue majors, and the offered majors of the kernel's test worlds."""

from __future__ import annotations

from zhijiao.core.testing import world_part

from .models import InstitutionMajor, Major, MajorCategory, MajorClass


def catalogue_major(code: str = "710201", name: str = "计算机应用", level: str = "secondary") -> Major:
    cat, _ = MajorCategory.objects.get_or_create(
        level=level, code=code[:2], defaults={"name": "电子与信息大类"}
    )
    cls, _ = MajorClass.objects.get_or_create(category=cat, code=code[:4], defaults={"name": "计算机类"})
    major, _ = Major.objects.get_or_create(
        code=code, catalogue_version="2021", defaults={"name": name, "level": level, "major_class": cls}
    )
    return major


@world_part("world")
def world_offerings(w) -> None:
    """One catalogue major, offered by both schools."""
    w.major = catalogue_major()
    w.offering_a = InstitutionMajor.objects.create(institution=w.school_a, major=w.major, start_year=2020)
    w.offering_b = InstitutionMajor.objects.create(institution=w.school_b, major=w.major, start_year=2021)


@world_part("scope_world")
def scope_world_offerings(w) -> None:
    """A higher-vocational major offered by the scope matrix's college."""
    higher = catalogue_major("510201", "计算机应用技术", level="higher")
    w.offering_c = InstitutionMajor.objects.create(institution=w.college, major=higher, start_year=2019)
    w.offerings = {"a": w.offering_a, "b": w.offering_b, "c": w.offering_c}

"""The approval log names what happened (已提交), and 提交时间 is only a time."""

from django.utils import translation

from zhijiao.workflows.choices import EventKind


def test_event_kinds_are_actions_not_times():
    with translation.override("zh-hans"):
        assert str(EventKind.SUBMIT.label) == "已提交"
        assert "时间" not in "".join(str(label) for _v, label in EventKind.choices)

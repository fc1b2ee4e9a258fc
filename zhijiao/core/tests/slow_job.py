"""A test-only job kind for the real-worker tests: eight steps of a second, each checkpointed."""

import time

from zhijiao.core.jobs import checkpoint_get, checkpoint_set, register, set_progress

SLOW_JOB = "test.slow"


@register(SLOW_JOB)
def slow(job):
    start = checkpoint_get(job, "step", 0)
    for step in range(start, 8):
        set_progress(job, step, 8, "sleeping")
        time.sleep(1)
        checkpoint_set(job, "step", step + 1)
    return {"resumed_from": start}

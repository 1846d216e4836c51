"""Benchmark-only callback: records the plan task's own timings to $EXFW_TIMINGS_FILE."""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: exfw_timings
type: aggregate
short_description: Record exchange.firewall.plan timings (benchmarks only)
description: Writes the C(timings) of the exchange.firewall.plan task to the file named by EXFW_TIMINGS_FILE.
requirements: [enable in ansible.cfg or ANSIBLE_CALLBACKS_ENABLED]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "exfw_timings"
    CALLBACK_NEEDS_ENABLED = True

    def v2_runner_on_ok(self, result):
        timings = result._result.get("timings")
        path = os.environ.get("EXFW_TIMINGS_FILE")
        if path and isinstance(timings, dict) and "engine_s" in timings:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(timings, handle)

# Copyright: exchange.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's action plugins share: argument validation and the time stamp they write."""

from __future__ import annotations

from datetime import UTC, datetime

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.exchange.firewall.plugins.plugin_utils._planner import plain


def validated_args(spec: dict, task_args, **constraints) -> tuple:
    """(the task's arguments validated against ``spec``, None) or (None, the errors in one message)."""
    validation = ArgumentSpecValidator(spec, **constraints).validate(plain(task_args))
    if validation.error_messages:
        return None, "; ".join(validation.error_messages)
    return validation.validated_parameters, None


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

"""``python -m inception_lib.train``: parse, train; exit 2 on bad settings, 1 on a failed run.

:func:`~inception_lib.train.engine.train` validates the config (once, before any work); a bad setting
comes back here as :class:`ConfigError` and is reported as argparse reports a bad option, naming the flag.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .config import ConfigError, build_parser, config_from_args
from .engine import NonFiniteLossError, train

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    config = config_from_args(parser.parse_args(argv))
    try:
        summary = train(config)
    except ConfigError as err:
        parser.error(f"argument --{err.field.replace('_', '-')}: {err}")
    except NonFiniteLossError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if int(os.environ.get("RANK", "0")) == 0 and config.verbose:
        ev = summary["final_eval"] or {}
        print(
            f"done: {summary['steps']} steps; val top-1 {ev.get('top1', float('nan')):.3f}, "
            f"top-5 {ev.get('top5', float('nan')):.3f}; wrote {Path(config.out) / 'summary.json'}"
        )
    return 0

"""Ray engine for ``alliance batch --engine ray``: the same per-session function on a cluster.

Sessions are read, consent-checked, segmented and de-identified on the driver (as in the local
engine), then tagged with Ray Data ``map_batches``: one model actor per worker (on a GPU when
the worker has one), each running ``analyzer.batch.finish_sessions``. Results come back to
the driver, which saves them as the same resumable parts, so both engines write identical tables.
``address`` connects to an existing cluster (``ray://head:10001`` or ``auto``); without it a
local Ray instance is started.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class TagBatch:
    """A Ray Data actor: loads the tagger once, then tags batches of serialised sessions."""

    def __init__(self, model_dir: str):
        from analyzer.tagger import Tagger

        self.tagger = Tagger.load(model_dir)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        from analyzer.batch import finish_sessions
        from analyzer.session import Session

        sessions = [Session.model_validate_json(text) for text in batch["session"]]
        done = finish_sessions(sessions, self.tagger)
        return {"key": list(batch["key"]), "session": [s.model_dump_json() for s in done]}


def run_ray(items: Iterator[Any], parts: Path, options: Any, tagger: Any,
            progress: Callable[[int, int], None] | None) -> tuple[int, int]:
    import ray

    from analyzer.batch import save_part
    from analyzer.session import Session

    rows, skipped = [], 0
    for item in items:
        if item is None:
            skipped += 1
        else:
            rows.append({"key": item.key, "session": item.session.model_dump_json()})
    if not rows:
        return 0, skipped
    if not ray.is_initialized():
        ray.init(address=options.address, include_dashboard=False, log_to_driver=False,
                 ignore_reinit_error=True)
    gpus = ray.cluster_resources().get("GPU", 0)
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    workers = max(1, int(gpus)) if gpus else max(1, cpus // 2)
    ds = ray.data.from_items(rows).map_batches(
        TagBatch, fn_constructor_kwargs={"model_dir": str(tagger.path)},
        batch_size=4, concurrency=min(workers, len(rows)), num_gpus=1 if gpus else 0,
        batch_format="numpy")
    done = 0
    for row in ds.iter_rows():
        save_part(parts, str(row["key"]), Session.model_validate_json(str(row["session"])))
        done += 1
        if progress:
            progress(done, skipped)
    return done, skipped

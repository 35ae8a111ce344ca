"""gunicorn settings for the load runs (`-c python:bench.gunicorn_ready`): each worker
leaves a file named by its pid in $BENCH_READY_DIR once it has loaded the app.

gunicorn's master listens before its workers have imported the app (seconds of CPU on a
busy machine), so an open port does not mean a worker can answer, and CPU read from the
workers would include that start-up. bench.load waits for one file per worker.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def post_worker_init(worker: Any) -> None:
    folder = os.environ.get("BENCH_READY_DIR")
    if folder:
        (Path(folder) / str(worker.pid)).touch()

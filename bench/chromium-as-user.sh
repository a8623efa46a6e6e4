#!/bin/sh
# Starts Chromium without the CAP_SYS_NICE capability, as a desktop user's browser runs.
# As root (CI), Chromium raises its GPU process's main thread to nice -8; no unprivileged
# browser can, and on a 2-core machine that thread then preempts the control loop's worker.
# Used by bench/teleop.bench.ts with BENCH_AS_USER=1 (needs setpriv from util-linux).
exec setpriv --bounding-set -sys_nice "$STUDIO_REAL_CHROMIUM" "$@"

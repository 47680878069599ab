"""Run a command and report its own peak memory: `python peak_rss.py CMD ARGS…`.

The peak resident size the kernel reports for a child survives `exec`, so a command
spawned straight from the (large) benchmark process would inherit the benchmark's peak.
This small launcher forks a fresh child (whose starting peak is this launcher's, about
10 MB), execs the command in it, waits with `wait4`, and prints on stderr, last line:
`peak_rss_kb=<kilobytes> seconds=<wall time of the command>`.
"""

from __future__ import annotations

import os
import sys
import time

if __name__ == "__main__":
    argv = sys.argv[1:]
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    print(f"peak_rss_kb={usage.ru_maxrss} seconds={elapsed:.6f}", file=sys.stderr)
    raise SystemExit(os.waitstatus_to_exitcode(status))

#!/usr/bin/env python3
# Runs one benchmark command and prints {wallSeconds, maxRssKb, rssMethod, userSeconds,
# systemSeconds, exitCode} as JSON. Python's own start-up is outside the timed span.
#
# Peak RSS is the largest of any single process in the command's tree (a process's reaped
# children roll up into it), in KiB. On exec, Linux carries the parent's high-water RSS into the
# child, so a child forked from this interpreter starts at ~10 MiB. Where GNU time exists it sits
# between us and the command and reports the command tree's figure from wait4, starting at ~1
# MiB; otherwise RUSAGE_CHILDREN of this fresh interpreter is used (fine for anything much larger
# than Python itself, such as node or DuckDB).
#
# usage: measure.py '{"argv": [...], "cwd": "...", "stdout": "path", "stderr": "path"}'
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

GNU_TIME = "/usr/bin/time"


def main() -> int:
    spec = json.loads(sys.argv[1])
    argv = spec["argv"]
    rss_file = None
    if os.access(GNU_TIME, os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(fd)
        argv = [GNU_TIME, "-f", "%M", "-o", rss_file, "--", *argv]
    with open(spec["stdout"], "wb") as out, open(spec["stderr"], "wb") as err:
        started = time.perf_counter()
        code = subprocess.run(argv, cwd=spec["cwd"], stdin=subprocess.DEVNULL, stdout=out, stderr=err).returncode
        wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    max_rss, method = usage.ru_maxrss, "rusage-children"
    if rss_file is not None:
        with open(rss_file) as f:
            # "Command exited with non-zero status N" may come first; the figure is last.
            lines = [line.strip() for line in f if line.strip()]
        os.unlink(rss_file)
        if lines and lines[-1].isdigit():
            max_rss, method = int(lines[-1]), "gnu-time"
    print(json.dumps({
        "wallSeconds": wall,
        "maxRssKb": max_rss,
        "rssMethod": method,
        "userSeconds": usage.ru_utime,
        "systemSeconds": usage.ru_stime,
        "exitCode": code,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

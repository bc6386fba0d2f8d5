#!/bin/sh
# Extracts every archive named in a NUL-separated list into one directory, `jobs` tar processes
# at a time, then (when a command follows) replaces itself with that command, so extraction and
# the merge after it are measured as one process tree.
#
# usage: extract-all.sh <jobs> <archive-list> <dir> [command args...]
set -eu
jobs=$1 list=$2 dir=$3
shift 3
mkdir -p "$dir"
# The archive goes last: `tar -C dir -xzf ARCHIVE`.
xargs -0 -a "$list" -P "$jobs" -n 1 tar -C "$dir" -xzf
if [ $# -gt 0 ]; then exec "$@"; fi

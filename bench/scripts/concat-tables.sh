#!/bin/sh
# The shell baseline's merge: per table, every extracted member `<table>_<yyyyMMdd>_*.csv`
# (members may sit in subdirectories) concatenated into <out>/<table>.csv, the first file whole
# and the others without their header line. No parsing: column drift goes through unaligned,
# so this is a lower bound for the work, not a correct merge.
#
# usage: concat-tables.sh <extracted-dir> <out-dir> <yyyyMMdd> <table>...
set -eu
dir=$1 out=$2 stamp=$3
shift 3
mkdir -p "$out"
for table in "$@"; do
  first=1
  find "$dir" -type f -name "${table}_${stamp}_*.csv" | LC_ALL=C sort | while IFS= read -r file; do
    if [ "$first" = 1 ]; then cat "$file"; first=0; else tail -n +2 "$file"; fi
  done > "$out/$table.csv"
done

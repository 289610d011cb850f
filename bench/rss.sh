#!/bin/bash
# Peak RSS of every read mode at 2M and 20M frames, for the dense, mixed and -i any captures
# (issue 17: under 120 MB and flat from 2M to 20M in every mode). One run each: peak RSS, unlike
# time, barely moves between runs. Generates the captures it lacks (20M: 1.6 GB dense, 7.6 GB
# mixed, 1.9 GB any) in bench/out. Prints a Markdown table.
#
#   npm run build && bench/rss.sh [DIST]
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${1:-dist}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
echo "| capture | mode | 2M peak RSS MB | 20M peak RSS MB | change | 20M cpu s |"
echo "|---|---|---:|---:|---:|---:|"
for kind in vrrp mixed any; do
  flag=$([ "$kind" = vrrp ] && echo "" || echo "--$kind")
  for n in 2000000 20000000; do
    label=$((n / 1000000))m
    [ -f "bench/out/$kind-$label.pcap" ] || npx tsx bench/generate.ts $flag --frames $n >&2
  done
  for mode in -q text -v --json; do
    arg=$([ "$mode" = text ] && echo "" || echo "$mode")
    declare -A rss=()
    cpu=0
    for label in 2m 20m; do
      /usr/bin/time -f "%M %U %S" -o "$tmp" node "$dist/cli.js" read "bench/out/$kind-$label.pcap" $arg > /dev/null || true
      read -r kb user sys < "$tmp"
      rss[$label]=$((kb / 1024))
      cpu=$(awk "BEGIN { print $user + $sys }")
    done
    change=$(awk "BEGIN { printf \"%+.1f\", (${rss[20m]} - ${rss[2m]}) * 100 / ${rss[2m]} }")
    echo "| $kind | $mode | ${rss[2m]} | ${rss[20m]} | ${change}% | $cpu |"
  done
done

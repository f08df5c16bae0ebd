#!/usr/bin/env bash
# Runs every test of the back office. Installs what the tests need first (Debian's chromium for the browser tests).
# Prints a closing line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "WenQuanYi"; then
  echo "Installing Debian's chromium and a CJK font for the browser tests…"
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null || { echo "could not install chromium"; exit 1; }
fi

log=$(mktemp)
dotnet test Workflows.sln -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one summary per test assembly; add them up into one closing line.
awk '/(Passed|Failed)! +- +Failed: /{
        gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"

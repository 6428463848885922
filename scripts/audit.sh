#!/bin/sh
# Dependency audit: fails on a known high-severity advisory in production dependencies. When the
# registry offers no audit endpoint (some mirrors answer 405), says so and does not fail: no
# advisory data is not a finding.
set -u
out=$(npm audit --omit=dev --audit-level=high 2>&1)
code=$?
printf '%s\n' "$out" | tail -20
if [ "$code" -ne 0 ] && printf '%s' "$out" | grep -q 'audit endpoint returned an error'; then
  echo "audit: the registry has no audit endpoint here; skipped (no advisory data)"
  exit 0
fi
exit "$code"

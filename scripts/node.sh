#!/bin/sh
# Runs Node >= 22.19 (fetched by ensure-node.sh when needed) with the given arguments.
set -eu
node_bin=$(sh "$(dirname -- "$0")/ensure-node.sh")
PATH="$(dirname -- "$node_bin"):$PATH"
export PATH
exec "$node_bin" "$@"

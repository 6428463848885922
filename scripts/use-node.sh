# Source this file (". scripts/use-node.sh") to put a Node >= 22.19 first on PATH for this shell.
_herald_node=$(sh "$(dirname -- "${BASH_SOURCE:-$0}")/ensure-node.sh") || return 1 2>/dev/null || exit 1
PATH="$(dirname -- "$_herald_node"):$PATH"
export PATH
unset _herald_node

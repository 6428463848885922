#!/bin/sh
# `npm start`: runs Herald as JavaScript from dist/, built from src/ first when any file of src/ is
# newer than the last build (scripts/build.ts), so a start does not pay for type stripping. Where
# dist/ cannot be written (a read-only install), it runs the .ts sources as before.
set -eu
cd "$(dirname -- "$0")/.."
if [ ! -f dist/.built ] || [ -n "$(find src -newer dist/.built -print -quit)" ]; then
  if ! sh scripts/node.sh --disable-warning=ExperimentalWarning scripts/build.ts; then
    echo "herald: could not build dist/; running the .ts sources" >&2
    exec sh scripts/node.sh src/main.ts "$@"
  fi
fi
exec sh scripts/node.sh dist/src/main.js "$@"

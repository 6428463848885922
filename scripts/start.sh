#!/bin/sh
# `npm start`: runs Herald as JavaScript from dist/, built from src/ first when any file of src/ is
# newer than the last build (scripts/build.ts), so a start does not pay for type stripping.
set -eu
cd "$(dirname -- "$0")/.."
if [ ! -f dist/.built ] || [ -n "$(find src -newer dist/.built -print -quit)" ]; then
  sh scripts/node.sh --disable-warning=ExperimentalWarning scripts/build.ts
fi
exec sh scripts/node.sh dist/src/main.js "$@"

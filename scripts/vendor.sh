#!/usr/bin/env bash
# Refresh the vendored front-end assets from their npm packages. The app never fetches anything
# at run time; this script is run by a developer (`make vendor`) and the result is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=zhengdun/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch() {  # fetch <package@version> <file inside package> <destination>
  (cd "$tmp" && npm pack --silent "$1" >/dev/null)
  local tgz
  tgz=$(ls "$tmp"/*.tgz)
  mkdir -p "$tmp/x" "$(dirname "$3")"
  tar -xzf "$tgz" -C "$tmp/x"
  cp "$tmp/x/package/$2" "$3"
  echo "$1 -> $3"
  rm -rf "$tmp/x" "$tgz"
}

fetch htmx.org@2.0.11 dist/htmx.min.js "$dest/htmx/htmx.min.js"

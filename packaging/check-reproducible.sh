#!/usr/bin/env bash
# Builds the app folder and the .deb twice from the same tree and compares the .deb bytes.
# Prints both hashes and the build times; exits non-zero when they differ.
set -euo pipefail
cd "$(dirname "$0")/.."
hashes=()
for round in 1 2; do
    rm -rf build dist
    start=$(date +%s.%N)
    packaging/build-app.sh >/dev/null 2>&1
    mid=$(date +%s.%N)
    packaging/deb/build-deb.sh >/dev/null
    end=$(date +%s.%N)
    deb=$(ls dist/flowfi-desktop_*_amd64.deb)
    hashes+=("$(sha256sum "$deb" | cut -d' ' -f1)")
    printf 'build %s: app folder %.0f s, .deb %.0f s, %s bytes, sha256 %s\n' "$round" \
        "$(awk "BEGIN{print $mid - $start}")" "$(awk "BEGIN{print $end - $mid}")" "$(stat -c %s "$deb")" "${hashes[-1]}"
done
[ "${hashes[0]}" = "${hashes[1]}" ] && echo "identical" || { echo "DIFFERENT" >&2; exit 1; }

#!/usr/bin/env bash
# Copies the browser libraries of the web map from web/e2e/node_modules
# (installed from web/e2e/package-lock.json, exact versions) into
# web/static/vendor/<name>-<version>/, each with its licence file, and
# writes web/static/vendor/VERSIONS. Run it through "make vendor".
# Nothing is fetched at run time or at build time: the copies are committed
# and embedded in the binary.
set -euo pipefail
cd "$(dirname "$0")/.."

(cd e2e && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

nm=e2e/node_modules
out=static/vendor
version() { node -p "require('./$nm/$1/package.json').version"; }
licence() { node -p "require('./$nm/$1/package.json').license"; }

rm -rf "$out"
mkdir -p "$out"
: >"$out/VERSIONS"

# copy PACKAGE FILE... : the package's dist files and its LICENSE, into a
# directory named after the package without its npm scope.
copy() {
	local pkg=$1
	shift
	local dir
	dir="$out/${pkg#*/}-$(version "$pkg")"
	mkdir -p "$dir"
	for f in "$@"; do
		mkdir -p "$dir/$(dirname "$f")"
		cp -R "$nm/$pkg/dist/$f" "$dir/$f"
	done
	local lic
	for lic in LICENSE LICENSE.txt MIT-LICENCE.txt; do
		if [ -f "$nm/$pkg/$lic" ]; then
			cp "$nm/$pkg/$lic" "$dir/LICENSE"
			break
		fi
	done
	[ -f "$dir/LICENSE" ] || { echo "vendor: no licence file in $pkg" >&2; exit 1; }
	echo "$pkg $(version "$pkg") $(licence "$pkg")" >>"$out/VERSIONS"
}

copy leaflet leaflet.js leaflet.css images
# Leaflet-Geoman's bundle carries its dependencies (Turf, lodash,
# polyclip-ts and theirs): their licences go beside its own.
copy @geoman-io/leaflet-geoman-free leaflet-geoman.min.js leaflet-geoman.css
node tools/notices.mjs @geoman-io/leaflet-geoman-free >"$out/leaflet-geoman-free-$(version @geoman-io/leaflet-geoman-free)/THIRD-PARTY-LICENSES"

echo "vendored into web/$out:"
cat "$out/VERSIONS"

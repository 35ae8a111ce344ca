#!/usr/bin/env bash
# Copies the built front-end assets the service serves from node_modules (installed by
# scripts/setup.sh from package-lock.json) into careplan/static/vendor/, which is not in git.
#
#   careplan/static/vendor/sgds/css/design-system.min.css   (+ .map)
#   careplan/static/vendor/sgds/js/design-system.js         ES module; also sets window.DS
#   careplan/static/vendor/sgds/images/icons/icons.stack.svg  SVG sprite (<use href="...#close">)
#   careplan/static/vendor/sgds/images/documents/svg/*.svg  file-type icons
#   careplan/static/vendor/sgds/VERSION                     the design system's version
#   careplan/static/vendor/axe/axe.min.js                   accessibility checks, tests only
#
# The design system ships no font files: its CSS asks for Roboto and falls back to
# Helvetica/Arial, so there is no fonts/ folder to copy.
set -euo pipefail
cd "$(dirname "$0")/.."

sgds=node_modules/@scottish-government/design-system
axe=node_modules/axe-core
out=careplan/static/vendor

# Fail loudly if a package upgrade moved a file, rather than serve pages without styles.
for f in "$sgds/package.json" "$sgds/dist/css/design-system.min.css" \
  "$sgds/dist/scripts/design-system.js" "$sgds/dist/images/icons/icons.stack.svg" \
  "$axe/axe.min.js"; do
  [ -f "$f" ] || { echo "vendor_assets: $f is missing (run scripts/setup.sh)" >&2; exit 1; }
done

# Build the new tree in node_modules (ignored by git, same file system) and swap it in, so
# a running server never sees a half-copied folder.
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d node_modules/.careplan-vendor.XXXXXX)
trap 'rm -rf "$tmp" "$out.old"' EXIT
mkdir -p "$tmp/sgds/css" "$tmp/sgds/js" "$tmp/sgds/images" "$tmp/axe"
cp "$sgds/dist/css/design-system.min.css" "$sgds/dist/css/design-system.min.css.map" "$tmp/sgds/css/"
cp "$sgds/dist/scripts/design-system.js" "$tmp/sgds/js/"
cp -R "$sgds/dist/images/." "$tmp/sgds/images/"
cp "$sgds/LICENSE.txt" "$tmp/sgds/LICENSE.txt"
node -p "require('./$sgds/package.json').version" >"$tmp/sgds/VERSION"
cp "$axe/axe.min.js" "$tmp/axe/"
cp "$axe/LICENSE" "$tmp/axe/LICENSE" 2>/dev/null || true
chmod -R a+rX "$tmp"

rm -rf "$out.old"
if [ -d "$out" ]; then mv "$out" "$out.old"; fi
mv "$tmp" "$out"

#!/usr/bin/env bash
# Renders the PNG icons Android needs to install the app (192, 512 and a maskable 512, whose
# house sits inside the safe circle) from the SVGs in public/, with headless Chromium.
# Run it after changing an icon; the PNGs are committed.
set -euo pipefail
cd "$(dirname "$0")/public"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
render() { # source.svg size out.png
  printf '<html><body style="margin:0">%s</body></html>' "$(sed "s/<svg /<svg width=\"$2\" height=\"$2\" /" "$1")" > "$tmp/page.html"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --default-background-color=00000000 \
    --window-size="$2,$2" --screenshot="$PWD/$3" "file://$tmp/page.html" 2>/dev/null
}
render icon.svg 192 icon-192.png
render icon.svg 512 icon-512.png
render icon-maskable.svg 512 icon-maskable-512.png

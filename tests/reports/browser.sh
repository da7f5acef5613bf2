#!/bin/sh
# browser.sh — the HTML report in a real browser (make test-browser): runs
# the shipped scenarios (the demo) and a scenario that fails on purpose,
# loads each report from a file:// URL in headless Chromium with the
# network unreachable, and checks that the page rendered: the DOM after
# its scripts ran holds the expected text, and the screenshot is a real
# picture, not a blank page.
#   usage: GAUNTLET_BIN=build/gauntlet tests/reports/browser.sh OUTDIR
set -eu
out=${1:?usage: browser.sh OUTDIR}
bin=${GAUNTLET_BIN:?GAUNTLET_BIN is not set}
command -v chromium >/dev/null || { echo "browser: chromium is not installed (apt-get install chromium)"; exit 1; }

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
fails=0
fail() { echo "browser: FAIL: $*"; fails=$((fails + 1)); }

# Headless, no sandbox (CI runs as root), and no network: every host name
# resolves to nothing and any proxy-able request goes to a closed port.
chrome() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-dev-shm-usage \
        --host-resolver-rules='MAP * ~NOTFOUND' --proxy-server='127.0.0.1:9' \
        --virtual-time-budget=3000 "$@" 2>>"$out/chromium.log"
}

# render NAME: the DOM and a screenshot of $out/NAME/latest/index.html
render() {
    page="$out/$1/latest/index.html"
    [ -s "$page" ] || { fail "$1: no report at $page"; return; }
    chrome --dump-dom "file://$page" >"$out/$1.dom.html" || fail "$1: chromium --dump-dom failed"
    chrome --window-size=1280,1800 --screenshot="$out/$1.png" "file://$page" >/dev/null ||
        fail "$1: chromium --screenshot failed"
}

# expect NAME TEXT...: each TEXT is in NAME's rendered DOM
expect() {
    name=$1; shift
    for text in "$@"; do
        grep -qF -- "$text" "$out/$name.dom.html" || fail "$name: \"$text\" is not on the rendered page"
    done
}

# A blank page compresses to a few KB; a rendered report with tables and
# charts is far bigger. Also checks the PNG signature and its size.
picture() {
    png="$out/$1.png"
    [ -f "$png" ] || { fail "$1: no screenshot"; return; }
    sig=$(od -An -tx1 -N8 "$png" | tr -d ' \n')
    [ "$sig" = 89504e470d0a1a0a ] || fail "$1: the screenshot is not a PNG"
    w=$(od -An -tu1 -j16 -N4 "$png" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
    h=$(od -An -tu1 -j20 -N4 "$png" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
    bytes=$(wc -c <"$png")
    [ "$w" -ge 1000 ] && [ "$h" -ge 1000 ] || fail "$1: the screenshot is ${w}x${h}"
    [ "$bytes" -ge "${2:-40000}" ] || fail "$1: the screenshot is $bytes bytes: a blank page?"
    echo "browser: $1: ${w}x${h} screenshot, $bytes bytes"
}

"$bin" run scenarios/ --out "$out/demo" --quiet >"$out/demo.log" 2>&1 ||
    fail "the demo run did not pass (see $out/demo.log)"
set +e
"$bin" run tests/reports/fixtures/leaky_pool.lua --out "$out/failing" --quiet >"$out/failing.log" 2>&1
[ $? -eq 1 ] || fail "the failing fixture did not fail (see $out/failing.log)"
set -e

render demo
render failing

# Every shipped scenario's name, the verdict labels, the summary.
"$bin" list scenarios/ | sed 's/^[^ ]*  //; s/  \[.*\]$//' >"$out/names.txt"
[ -s "$out/names.txt" ] || fail "gauntlet list printed no scenario"
while IFS= read -r name; do expect demo "$name"; done <"$out/names.txt"
expect demo "gauntlet" "PASS" "<svg" "replay"
expect failing "FAIL" "no_leaked_tasks" "pool.worker" "svc/pool/exec" "never cleared" "<svg"
# The inline script ran (the page marks <html> with class js).
grep -q '<html[^>]*class="[^"]*js' "$out/demo.dom.html" || fail "demo: the page's script did not run"

picture demo
picture failing

if [ "$fails" -gt 0 ]; then
    echo "browser: $fails failure(s); pages and screenshots in $out"
    exit 1
fi
echo "browser: ok (pages and screenshots in $out)"

#!/bin/sh
# The report in a real browser: Debian's chromium, headless, loads a small
# report from a file:// URL; a script appended to a copy of the page makes
# every image load (the page's images are lazy) and writes what it found
# into the DOM, which --dump-dom prints. Asserts that the page loads, that
# every image has a non-zero natural size, and that the guard x variant
# safety matrix (id="safety") is there. Keeps a screenshot of the page as a
# build artifact: BUILD/report-screenshot.png. Prints "N passed, N failed".
#   usage: sh tests/browser_test.sh path/to/overlapsim
. "$(dirname "$0")/lib.sh"
BIN=$bin
T=$tmp
BUILD=$(dirname "$BIN")
CHROMIUM=${CHROMIUM:-chromium}
# headless, nothing from the network, a fresh profile each time
browse() {
    rm -rf "$T/profile"
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$T/profile" "$@" 2>>"$T/chromium.err"
}

if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
    bad "chromium is installed (make deps-live, or apt-get install chromium)"
    echo "$passed passed, $failed failed"
    exit 1
fi

R="$T/report"
"$BIN" report scenarios/replicas-lease.ini scenarios/etl-ticker.ini --seeds 1..2 \
    --guards none,atomic,lease,shedlock --out "$R" >"$T/report.log" 2>&1
check "report writes a page to check (exit 0 or 1)" test -s "$R/index.html"

cat >"$T/probe.js" <<'JS'
<script>
(function () {
  /* eager now, before the load event: it then waits for every image */
  var imgs = Array.prototype.slice.call(document.images);
  imgs.forEach(function (i) { i.loading = 'eager'; });
  window.addEventListener('load', function () {
    var bad = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0); });
    var r = document.createElement('pre');
    r.id = 'browser-check';
    r.textContent = 'loaded images=' + imgs.length + ' broken=' + bad.length +
      (bad.length ? ' first-broken=' + bad[0].getAttribute('src') : '') +
      ' safety=' + (document.getElementById('safety') ? 'yes' : 'no') + ' end';
    document.body.appendChild(r);
  });
})();
</script>
JS
# the probe goes into a copy beside the page, so relative image paths hold
sed '/<\/body>/d' "$R/index.html" >"$R/probe.html"
cat "$T/probe.js" >>"$R/probe.html"
echo '</body></html>' >>"$R/probe.html"
browse --virtual-time-budget=30000 --dump-dom "file://$R/probe.html" >"$T/dom.html"
result=$(grep -o 'loaded images=[0-9][^<]* end' "$T/dom.html" | head -n 1)
echo "     chromium: ${result:-no result}"
check "the page loads in chromium and the probe ran" test -n "$result"
images=$(echo "$result" | sed -n 's/.*images=\([0-9]*\).*/\1/p')
check "the page shows images" test "${images:-0}" -gt 0
has() { echo "$result" | grep -q "$1"; }
check "every image loads (non-zero natural size)" has ' broken=0 '
# The safety matrix comes from the verdict work (issue 12): this check
# passes once that branch is merged.
check "the guard x variant safety matrix (id=\"safety\") is on the page" has ' safety=yes '

# a screenshot of the page's top as a build artifact
browse --window-size=1400,2000 --screenshot="$T/shot.png" "file://$R/index.html" >/dev/null
if [ -s "$T/shot.png" ] && [ "$(wc -c <"$T/shot.png")" -gt 20000 ] &&
    head -c 8 "$T/shot.png" | od -An -tx1 | grep -q '89 50 4e 47'; then
    cp "$T/shot.png" "$BUILD/report-screenshot.png" && ok "screenshot kept: $BUILD/report-screenshot.png"
else
    bad "chromium takes a screenshot of the report"
fi
totals

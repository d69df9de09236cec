#!/bin/sh
# Soak test: `lathe serve` under mixed load for SOAK_SECONDS (default 600),
# on 127.0.0.1 only, then checks that nothing leaked, stuck or failed.
#
#   bench/soak.sh                    10 minutes (bench/run.sh BUILD soak)
#   SOAK_SECONDS=60 bench/soak.sh    a short try
#
# While it runs, at once and against one project:
#   * wrk (bench/soak_wrk.lua) on SOAK_CONNECTIONS connections: 1-row,
#     100-row (predict_proba) and CSV MLflow requests, KServe V2 infers and
#     metadata, 10-row requests to a second model, and 9 kinds of bad
#     request (malformed JSON, unknown column, string in a numeric column,
#     wrong Content-Type, unknown model, unknown version, wrong method,
#     rows over --max-rows, two Content-Length headers); every answer is
#     checked (soak_wrk.lua says how);
#   * the alias soak@production moves between versions 1 and 2 every
#     SOAK_ALIAS_EVERY seconds (3), and each move is timed until
#     /v2/models/soak names the new version;
#   * a loop imports a new version of a dataset while `lathe train` fits a
#     model on the previous one (the two at the same time), registers each
#     run as the next version of the second model `side` (which the server
#     serves as `side`, the newest version, so it reloads every time), then
#     pauses SOAK_TRAIN_PAUSE seconds (2);
#   * every SOAK_INTERVAL seconds (5) a sample of the server process
#     (resident memory, open descriptors, threads, CPU) and its /metrics.
#
# Results in SOAK_OUT (default BUILD/bench/soak-TIME/): samples.csv,
# alias.csv, jobs.csv, wrk.txt, rss.png, summary.txt (also printed, with
# the RSS curve as text).  Exit 0 only if every check holds:
#   1. every good request was answered 200 with the right body, every bad
#      one with its 4xx; no connection errors, no lost requests; /metrics
#      agrees (no 5xx);
#   2. resident memory at the end is within SOAK_RSS_BOUND_KB (8192) of
#      the sample at the end of the warm-up (the first 20% of the time),
#      and no sample after the warm-up exceeds it by more: a leak of
#      3 bytes a request goes over it in 10 minutes, while what may still
#      grow legitimately (SQLite's page caches on the growing project,
#      2 MB a connection; allocator arenas) stays below
#      (docs/testing.md#soak-test gives the reasoning and the figures);
#   3. open descriptors at the end of the load equal those at the end of the
#      warm-up within SOAK_FD_SLACK (2: wrk reconnects after each
#      two-Content-Length request, so a connection may be mid-reopen when
#      sampled), and idle after the load exactly as idle before it; the same
#      for threads;
#   4. every import, train and register in the loop succeeded, every run in
#      the project is finished (none queued or running), and the server
#      served the last version registered;
#   5. every alias move was served within SOAK_PICKUP_MS (3000) and
#      lathe_model_reloads_total counts each move and registration; no
#      version failed to load;
#   6. the server stops on SIGTERM with status 0 and the project passes
#      PRAGMA integrity_check.
#
# Environment: LATHE (default BUILD/lathe), LATHE_PLUGIN_PATH, SOAK_SECONDS,
# SOAK_CONNECTIONS (4; one wrk thread each), SOAK_DELAY_MS (0: each
# connection sends its next request when the answer arrives), SOAK_INTERVAL,
# SOAK_ALIAS_EVERY, SOAK_TRAIN_PAUSE, SOAK_TRAIN_ROWS (3000), SOAK_RSS_BOUND_KB,
# SOAK_FD_SLACK, SOAK_PICKUP_MS, SOAK_IO (the server's --io: threads, the
# default, or epoll), SOAK_OUT.  Needs wrk, curl, gnuplot,
# sqlite3, python3 (scripts/install-deps.sh --bench).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
LATHE=${LATHE:-$top/build/lathe}
export LATHE_PLUGIN_PATH=${LATHE_PLUGIN_PATH:-$(dirname "$LATHE")/plugins}
export LATHE_PROGRESS=never
secs=${SOAK_SECONDS:-600}
conns=${SOAK_CONNECTIONS:-4}
delay=${SOAK_DELAY_MS:-0}
interval=${SOAK_INTERVAL:-5}
alias_every=${SOAK_ALIAS_EVERY:-3}
train_pause=${SOAK_TRAIN_PAUSE:-2}
train_rows=${SOAK_TRAIN_ROWS:-3000}
rss_bound=${SOAK_RSS_BOUND_KB:-8192}
fd_slack=${SOAK_FD_SLACK:-2}
pickup_max=${SOAK_PICKUP_MS:-3000}
io=${SOAK_IO:-threads}
out=${SOAK_OUT:-$(dirname "$LATHE")/bench/soak-$(date -u +%Y%m%dT%H%M%SZ)}
py=/usr/bin/python3

for tool in wrk curl gnuplot sqlite3 $py; do
	command -v $tool >/dev/null || { echo "soak: $tool is not installed (scripts/install-deps.sh --bench)"; exit 1; }
done
[ -x "$LATHE" ] || { echo "soak: no lathe binary at $LATHE (make, or set LATHE)"; exit 1; }
case $secs in ''|*[!0-9]*) echo "soak: SOAK_SECONDS must be a whole number, got '$secs'"; exit 2;; esac
[ "$secs" -ge 20 ] || { echo "soak: SOAK_SECONDS must be at least 20"; exit 2; }

mkdir -p "$out"
work=$(mktemp -d)
req="$work/req"
stop="$work/stop"
P="$work/soak.lathe"
mkdir "$req"
spid=""
bg=""
cleanup() {
	touch "$stop"
	for p in $bg; do kill "$p" 2>/dev/null || true; done
	[ -n "$spid" ] && kill "$spid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

L() { "$LATHE" -p "$P" "$@"; }
now_ms() { date +%s%3N; }
say() { echo "soak: $*"; }

# --- the project: two versions of `soak` that answer differently, one of `side`
$py "$here/soak_data.py" bodies "$req"
$py "$here/soak_data.py" csv 5000 1 >"$work/base.csv"
$py "$here/soak_data.py" csv "$train_rows" 100 >"$work/side_0.csv"
L init >/dev/null
L import -q "$work/base.csv" --name soak >/dev/null
L import -q "$work/side_0.csv" --name side_data >/dev/null
r1=$(L train -q --data soak --target label --algo logistic --test-size 0 \
    --step 'impute mean x1,x2,x3,x4,x5,x6' --step 'onehot colour' --step 'standardize *')
r2=$(L train -q --data soak --target label --algo logistic --set C=0.001 --test-size 0 \
    --step 'impute median x1,x2,x3,x4,x5,x6' --step 'onehot colour')
r3=$(L train -q --data side_data --target label --algo logistic --test-size 0.2 \
    --step 'impute mean x1,x2,x3,x4,x5,x6' --step 'onehot colour')
L model register "$r1" --name soak >/dev/null
L model register "$r2" --name soak >/dev/null
L model register "$r3" --name side >/dev/null
L model alias soak@1 production >/dev/null

# --- the server, loopback only
# (not through L: $! must be the server's own pid, for /proc/PID)
"$LATHE" -p "$P" serve --host 127.0.0.1 --port 0 --model soak@production --model side --max-rows 500 \
    --max-per-ip 0 --io "$io" >"$work/serve.out" 2>"$out/serve.err" &
spid=$!
url=""
i=0
while [ $i -lt 300 ] && [ -z "$url" ]; do
	url=$(sed -n 's/^listening on //p' "$work/serve.out")
	[ -n "$url" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$url" ] || { say "lathe serve did not start: $(cat "$out/serve.err")"; exit 1; }
case $url in http://127.0.0.1:*) ;; *) say "server not on loopback: $url"; exit 1;; esac

# wait_version V: until /v2/models/soak names version V; prints the ms waited
wait_version() {
	t0=$(now_ms)
	while [ $(($(now_ms) - t0)) -lt 10000 ]; do
		if curl -s --max-time 2 "$url/v2/models/soak" | grep -q "\"versions\": \[\"$1\"\]"; then
			echo $(($(now_ms) - t0))
			return 0
		fi
		sleep 0.05
	done
	echo -1
	return 1
}

# --- the expected answers, asked of the quiet server for each version, and
# checked against `lathe predict` (the same model, outside the server)
fetch() {	# fetch KIND VERSION
	case $1 in
	one) curl -s -H 'Content-Type: application/json' --data-binary @"$req/one.json" "$url/invocations" ;;
	hundred) curl -s -H 'Content-Type: application/json' --data-binary @"$req/hundred.json" \
	    "$url/invocations?predict_method=predict_proba" ;;
	csv20) curl -s -H 'Content-Type: text/csv' --data-binary @"$req/rows20.csv" "$url/invocations" ;;
	v2) curl -s -H 'Content-Type: application/json' --data-binary @"$req/v2one.json" \
	    "$url/v2/models/soak/infer" ;;
	esac >"$req/exp_$1_$2"
}
for v in 1 2; do
	L model alias "soak@$v" production >/dev/null
	wait_version $v >/dev/null || { say "the server never served soak@$v"; exit 1; }
	for k in one hundred csv20 v2; do fetch $k $v; done
	L predict "soak@$v" "$req/batch.csv" >"$work/predict_$v.csv"
done
L model alias soak@1 production >/dev/null
wait_version 1 >/dev/null || { say "the server never went back to soak@1"; exit 1; }
$py - "$req" "$work" <<'PY' || { say "the server's answers differ from lathe predict"; exit 1; }
import csv, json, sys
req, work = sys.argv[1], sys.argv[2]
for v in (1, 2):
    rows = list(csv.DictReader(open("%s/predict_%d.csv" % (work, v))))
    labels = [int(r["prediction"]) for r in rows]
    probs = [[float(r["p_%d" % c]) for c in range(3)] for r in rows]
    def exp(k):
        return json.load(open("%s/exp_%s_%d" % (req, k, v)))
    assert exp("one")["predictions"] == labels[:1], "one"
    assert exp("csv20")["predictions"] == labels[:20], "csv20"
    assert exp("hundred")["predictions"] == probs, "hundred"
    out = {o["name"]: o["data"] for o in exp("v2")["outputs"]}
    assert exp("v2")["model_version"] == str(v), "v2 version"
    assert out["prediction"] == labels[1:2] and out["probabilities"] == probs[1], "v2"
PY
sleep 1

# --- samplers
proc_status() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$spid/status"; }
nfds() { ls "/proc/$spid/fd" | wc -l; }
t_start=$(date +%s)
echo "t,rss_kb,hwm_kb,fds,threads,cpu_s,load1,connections,http_200,http_400,http_404,http_405,http_413,http_415,http_5xx,http_other,reloads_soak,reloads_side,version_soak,version_side,load_failures,predlog_written,predlog_dropped" \
    >"$out/samples.csv"
sample() {
	m=$(curl -s --max-time 5 "$url/metrics" || true)
	cpu=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$spid/stat")
	echo "$m" | awk -v t=$(($(date +%s) - t_start)) -v rss="$(proc_status VmRSS)" \
	    -v hwm="$(proc_status VmHWM)" -v fds="$(nfds)" -v thr="$(proc_status Threads)" \
	    -v cpu="$cpu" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
	function v(k) { return (k in m) ? m[k] : 0 }
	/^lathe_model_version\{model="soak"/ { ver_soak = $2 }
	/^lathe_model_version\{model="side"/ { ver_side = $2 }
	!/^#/ { m[$1] = $2 }
	END {
		c = "lathe_http_requests_total{code=\"%s\"}"
		printf "%s,%s,%s,%s,%s,%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d\n",
		    t, rss, hwm, fds, thr, cpu, load, v("lathe_http_connections"),
		    v(sprintf(c, 200)), v(sprintf(c, 400)), v(sprintf(c, 404)), v(sprintf(c, 405)),
		    v(sprintf(c, 413)), v(sprintf(c, 415)), v(sprintf(c, 500)) + v(sprintf(c, 503)),
		    v(sprintf(c, "other")) + v(sprintf(c, 401)) + v(sprintf(c, 408)),
		    v("lathe_model_reloads_total{model=\"soak\"}"),
		    v("lathe_model_reloads_total{model=\"side\"}"), ver_soak, ver_side,
		    v("lathe_model_load_failures_total{model=\"soak\"}") + v("lathe_model_load_failures_total{model=\"side\"}"),
		    v("lathe_prediction_log_rows_total{state=\"written\"}"),
		    v("lathe_prediction_log_rows_total{state=\"dropped\"}")
	}'
}
idle_fds0=$(nfds)
idle_thr0=$(proc_status Threads)
rss0=$(proc_status VmRSS)
reloads0=$(sample | awk -F, '{ print $17 + $18 }')

alias_loop() {
	v=1
	echo "t,to,exit,pickup_ms" >"$out/alias.csv"
	while :; do
		sleep "$alias_every"
		[ -e "$stop" ] && break
		v=$((3 - v))
		t=$(($(date +%s) - t_start))
		if L model alias "soak@$v" production >/dev/null 2>>"$out/jobs.err"; then
			ms=$(wait_version $v) || true
			echo "$t,$v,0,$ms" >>"$out/alias.csv"
		else
			echo "$t,$v,$?,-1" >>"$out/alias.csv"
			v=$((3 - v))
		fi
	done
}

train_loop() {
	i=0
	echo "i,t,import_exit,train_exit,run,register_exit,seconds" >"$out/jobs.csv"
	while [ ! -e "$stop" ]; do
		i=$((i + 1))
		t0=$(date +%s)
		$py "$here/soak_data.py" csv "$train_rows" $((100 + i)) >"$work/side_$i.csv"
		# the train (on the newest version so far) and the next import, at once
		(
			rc=0
			run=$(L train -q --data side_data --target label --algo logistic --test-size 0.2 \
			    --step 'impute mean x1,x2,x3,x4,x5,x6' --step 'onehot colour' 2>>"$out/jobs.err") || rc=$?
			rrc=-1
			if [ $rc -eq 0 ]; then
				rrc=0
				L model register "$run" --name side >/dev/null 2>>"$out/jobs.err" || rrc=$?
			fi
			echo "$rc,${run:-},$rrc" >"$work/train_$i"
		) &
		tp=$!
		irc=0
		L import -q "$work/side_$i.csv" --name side_data >/dev/null 2>>"$out/jobs.err" || irc=$?
		wait $tp || true
		echo "$i,$((t0 - t_start)),$irc,$(cat "$work/train_$i"),$(($(date +%s) - t0))" >>"$out/jobs.csv"
		rm -f "$work/side_$i.csv" "$work/train_$i"
		[ -e "$stop" ] || sleep "$train_pause"
	done
}

sample_loop() {
	while [ ! -e "$stop" ]; do
		sample >>"$out/samples.csv"
		sleep "$interval"
	done
}

say "serving $url (pid $spid); $secs s, $conns connections, results in $out"
sample_loop &
bg="$bg $!"
samp=$!
alias_loop &
al=$!
bg="$bg $al"
train_loop &
tl=$!
bg="$bg $tl"
SOAK_REQ="$req" SOAK_DELAY_MS="$delay" wrk -t"$conns" -c"$conns" --timeout 10s -d"${secs}s" \
    -s "$here/soak_wrk.lua" "$url" >"$out/wrk.txt" 2>&1 || true
t_wrk=$(($(date +%s) - t_start))
touch "$stop"
wait $al $tl $samp 2>/dev/null || true
bg=""

# --- after the load: idle again
if ! kill -0 "$spid" 2>/dev/null; then
	rc=0
	wait "$spid" || rc=$?
	spid=""
	say "FAIL: the server died during the soak (status $rc); its last words:"
	tail -5 "$out/serve.err"
	exit 1
fi
sleep 3
idle_fds1=$(nfds)
idle_thr1=$(proc_status Threads)
rss_idle1=$(proc_status VmRSS)
final=$(sample)
m=$(curl -s "$url/metrics")
L runs --json >"$work/runs.json"
L datasets --json >"$work/datasets.json"
integrity=$(sqlite3 "$P" 'PRAGMA integrity_check' 2>&1 | head -3 | tr '\n' ' ')
t0=$(now_ms)
kill -TERM "$spid"
src=0
wait "$spid" || src=$?
stop_ms=$(($(now_ms) - t0))
spid=""
cp "$work/runs.json" "$out/runs.json"

# --- the curve
gnuplot <<EOF 2>>"$out/gnuplot.err" || true
set datafile separator ","
set terminal png size 900,500
set output "$out/rss.png"
set title "lathe serve under mixed load: resident memory and descriptors"
set xlabel "seconds"
set ylabel "RSS (MB)"
set y2label "open fds"
set y2tics
set ytics nomirror
set yrange [0:*]
set y2range [0:*]
set key top left
set arrow from $((secs / 5)), graph 0 to $((secs / 5)), graph 1 nohead dt 2
plot "$out/samples.csv" every ::1 using 1:(\$2/1024) with lines lw 2 title "RSS", \
     "" every ::1 using 1:4 axes x1y2 with lines title "fds"
EOF
gnuplot >"$out/rss.txt" 2>>"$out/gnuplot.err" <<EOF || true
set datafile separator ","
set terminal dumb size 79,20
set title "RSS (MB) over seconds (warm-up ends at $((secs / 5)) s)"
set key off
plot "$out/samples.csv" every ::1 using 1:(\$2/1024) with lines
EOF

# --- the verdict
status=0
$py - "$out" "$secs" "$rss_bound" "$fd_slack" "$pickup_max" "$conns" "$delay" "$io" "$(nproc)" \
    "$idle_fds0" "$idle_fds1" "$idle_thr0" "$idle_thr1" "$rss0" "$rss_idle1" "$src" \
    "$stop_ms" "$integrity" "$reloads0" "$t_wrk" "$work/runs.json" "$work/datasets.json" \
    "$final" <<'PY' >"$out/summary.txt" || status=$?
import csv, json, re, sys
(out, secs, bound, slack, pickup_max, conns, delay, io, ncpu, fds0, fds1, thr0, thr1, rss0,
 rss_idle1, src, stop_ms, integrity, reloads0, t_wrk, runs_f, ds_f, final) = sys.argv[1:]
secs, bound, slack, pickup_max = int(secs), int(bound), int(slack), int(pickup_max)
fails = []
def check(ok, what):
    print("  %s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        fails.append(what)

samples = list(csv.DictReader(open(out + "/samples.csv")))
for s in samples:
    for k in s:
        s[k] = float(s[k] or 0)
wrk = open(out + "/wrk.txt").read()
kinds = [dict(kv.split("=") for kv in l.split()[1:]) for l in wrk.splitlines() if l.startswith("KIND ")]
errs = re.search(r"^ERRORS (.*)$", wrk, re.M)
lat = re.search(r"^LATENCY (.*)$", wrk, re.M)
alias = list(csv.DictReader(open(out + "/alias.csv")))
jobs = list(csv.DictReader(open(out + "/jobs.csv")))
runs = json.load(open(runs_f))["runs"]
datasets = json.load(open(ds_f))["datasets"]

loads = [s["load1"] for s in samples]
print("soak: %d s of load (asked %d), %s connections, delay %s ms, --io %s, %s CPUs; load average "
      "during it %.2f mean, %.2f max" % (int(t_wrk), secs, conns, delay, io, ncpu,
      sum(loads) / len(loads), max(loads)))

print("requests (wrk):")
print("  %-11s %4s %10s %10s %8s %8s %8s %6s %6s" % ("kind", "good", "sent", "ok", "v1", "v2",
      "wrong", "lost", ""))
good = bad = failed = 0
for k in kinds:
    n = {x: int(k[x]) for x in k if x != "name"}
    wrong = n["wrong_status"] + n["wrong_body"]
    print("  %-11s %4s %10d %10d %8d %8d %8d %6d" % (k["name"], "yes" if n["good"] else "no",
          n["sent"], n["ok"], n["v1"], n["v2"], wrong, n["lost"]))
    if n["good"]:
        good += n["ok"]
    else:
        bad += n["ok"]
    failed += wrong + n["lost"]
e = dict(kv.split("=") for kv in errs.group(1).split()) if errs else {}
l = dict(kv.split("=") for kv in lat.group(1).split()) if lat else {}
print("  %d good answered right, %d bad refused right, %d failed; latency p50 %s ms, p99 %s ms, "
      "max %s ms; %s requests/s" % (good, bad, failed, l.get("p50_ms"), l.get("p99_ms"),
      l.get("max_ms"), "%.0f" % (float(l["requests"]) / float(l["seconds"])) if l else "?"))
for f in re.findall(r"^FAIL (.*)$", wrk, re.M):
    print("  first failure: " + f[:400])
check(kinds and good > 0 and failed == 0, "every request answered as it should (%d failed)" % failed)
check(e and all(int(v) == 0 for v in e.values()),
      "no connection errors, timeouts or unmatched answers (%s)" % (errs.group(1) if errs else "no wrk result"))
fin = final.split(",")
print("  /metrics at the end: 200: %s, 400: %s, 404: %s, 405: %s, 413: %s, 415: %s, 5xx: %s, other: %s"
      % tuple(fin[8:16]))
check(int(fin[14]) == 0 and int(fin[15]) == 0, "no 5xx or other status in /metrics")

print("memory (VmRSS, MB):")
# samples under load: from the sampler's start to a second before wrk ended
load_samples = [s for s in samples if s["t"] <= int(t_wrk) - 1]
warm = [s for s in load_samples if s["t"] >= secs * 0.2]
if warm:
    w = warm[0]
    end = load_samples[-1]
    mx = max(s["rss_kb"] for s in warm)
    print("  before load %.1f, after warm-up (t=%d s) %.1f, end of load (t=%d s) %.1f, max after "
          "warm-up %.1f, max overall %.1f, idle after %.1f" % (int(rss0) / 1024, w["t"],
          w["rss_kb"] / 1024, end["t"], end["rss_kb"] / 1024, mx / 1024,
          max(s["rss_kb"] for s in samples) / 1024, int(rss_idle1) / 1024))
    n = len(warm)
    if n >= 3:
        mt = sum(s["t"] for s in warm) / n
        mr = sum(s["rss_kb"] for s in warm) / n
        slope = sum((s["t"] - mt) * (s["rss_kb"] - mr) for s in warm) / \
            max(1e-9, sum((s["t"] - mt) ** 2 for s in warm))
        print("  least-squares slope after warm-up: %+.1f KB/min over %d samples" % (slope * 60, n))
    check(end["rss_kb"] - w["rss_kb"] < bound,
          "RSS growth after warm-up %+d KB < %d KB" % (end["rss_kb"] - w["rss_kb"], bound))
    check(mx - w["rss_kb"] < bound, "no sample after warm-up over %d KB above it (max %+d KB)"
          % (bound, mx - w["rss_kb"]))
    print("descriptors and threads:")
    fd_end, thr_end = int(end["fds"]), int(end["threads"])
    print("  fds: idle before %s, after warm-up %d, end of load %d, max %d, idle after %s" %
          (fds0, w["fds"], fd_end, max(s["fds"] for s in samples), fds1))
    print("  threads: idle before %s, after warm-up %d, end of load %d, max %d, idle after %s" %
          (thr0, w["threads"], thr_end, max(s["threads"] for s in samples), thr1))
    check(abs(fd_end - w["fds"]) <= slack, "fds at end of load within %d of warm-up" % slack)
    check(fds0 == fds1, "fds idle after the load equal idle before (%s, %s)" % (fds0, fds1))
    check(abs(thr_end - w["threads"]) <= slack, "threads at end of load within %d of warm-up" % slack)
    check(thr0 == thr1, "threads idle after the load equal idle before (%s, %s)" % (thr0, thr1))
else:
    check(False, "samples after the warm-up")

print("training and imports (concurrent with each other and the load):")
imp_ok = sum(1 for j in jobs if j["import_exit"] == "0")
tr_ok = sum(1 for j in jobs if j["train_exit"] == "0")
reg_ok = sum(1 for j in jobs if j["register_exit"] == "0")
secs_it = [int(j["seconds"]) for j in jobs]
print("  %d iterations (%s s each), imports ok %d, trains ok %d, registrations ok %d" %
      (len(jobs), "%d-%d" % (min(secs_it), max(secs_it)) if secs_it else "-", imp_ok, tr_ok, reg_ok))
by_status = {}
for r in runs:
    by_status[r["status"]] = by_status.get(r["status"], 0) + 1
print("  runs in the project by status: %s" % ", ".join("%s %d" % kv for kv in sorted(by_status.items())))
side_versions = sum(1 for d in datasets if d["name"] == "side_data")
print("  side_data versions: %d (1 before the soak)" % side_versions)
check(len(jobs) > 0 and imp_ok == tr_ok == reg_ok == len(jobs), "every import, train and register succeeded")
check(set(by_status) == {"finished"}, "every run finished (none queued, running, failed)")
check(side_versions == imp_ok + 1, "every import made a dataset version")
reloads_end = int(fin[16]) + int(fin[17])
check(int(fin[19]) == reg_ok + 1, "the server serves the last side version registered (%s of %d)"
      % (fin[19], reg_ok + 1))

print("alias moves:")
moved = [a for a in alias if a["exit"] == "0"]
picked = [int(a["pickup_ms"]) for a in moved if int(a["pickup_ms"]) >= 0]
if picked:
    picked_s = sorted(picked)
    print("  %d moves (%d failed to move), %d seen by the server, pickup median %d ms, max %d ms" %
          (len(alias), len(alias) - len(moved), len(picked), picked_s[len(picked_s) // 2], picked_s[-1]))
v_wrk = {k["name"]: (int(k["v1"]), int(k["v2"])) for k in kinds}
print("  answers by version (wrk): v2 infer %s/%s, metadata %s/%s, 100-row %s/%s" %
      (v_wrk.get("v2", (0, 0)) + v_wrk.get("meta", (0, 0)) + v_wrk.get("hundred", (0, 0))))
check(len(moved) == len(alias) and len(alias) > 0, "every alias move succeeded")
check(len(picked) == len(moved) and max(picked or [0]) <= pickup_max,
      "every move served within %d ms" % pickup_max)
check(reloads_end - int(reloads0) == len(moved) + reg_ok,
      "reloads counted: %d = %d moves + %d registrations" % (reloads_end - int(reloads0), len(moved), reg_ok))
check(int(fin[20]) == 0, "no version failed to load")
print("  prediction log: %s rows written, %s dropped" % (fin[21], fin[22]))

print("shutdown and project:")
print("  SIGTERM -> exit %s in %s ms; integrity_check: %s" % (src, stop_ms, integrity.strip()))
check(src == "0", "server exited 0 on SIGTERM")
check(integrity.strip() == "ok", "project passes PRAGMA integrity_check")

print("RSS curve: %s/rss.png, %s/rss.txt; samples: %s/samples.csv" % (out, out, out))
print("soak: %s" % ("PASS" if not fails else "FAIL (%d checks): %s" % (len(fails), "; ".join(fails))))
sys.exit(1 if fails else 0)
PY
cat "$out/summary.txt" "$out/rss.txt" 2>/dev/null || true
exit $status

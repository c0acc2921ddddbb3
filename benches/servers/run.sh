#!/usr/bin/env bash
# Side-by-side load benchmark of the login servers in src/bin (issue #10, item 1).
#
#   ./run.sh            behaviour check, then the measurement (DURATION, REPS, SERVERS)
#   ./run.sh check      the behaviour check only
#   ./run.sh scale      ours (defaults) with SCALE distinct sessions (default 100000)
#   SCALE=N ./run.sh    the same
#
# Each server runs pinned to CPU 0 with one worker; wrk runs pinned to CPU 1 (-t1 -c32). The
# figure is the server's CPU time (utime+stime from /proc/<pid>/stat) over the measured wrk run,
# divided by the number of requests wrk completed: µs of CPU per request. See README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODE=${1:-bench}
if [[ -n ${SCALE:-} && $MODE == bench ]]; then MODE=scale; fi
case $MODE in bench | check | scale) ;; *)
    echo "usage: $0 [check|scale]" >&2
    exit 2
    ;;
esac

DURATION=${DURATION:-8}
REPS=${REPS:-3}
SERVERS=${SERVERS:-"bare hand identity axum_login ours ours-equal"}
SCALE=${SCALE:-100000}
SCALE_LEVELS=${SCALE_LEVELS:-"1000 10000 100000"}
CONNECTIONS=${CONNECTIONS:-32}
BASE_PORT=${BASE_PORT:-18400}
UA="login-runtime-bench"   # the same User-Agent from curl and wrk (ours binds logins to it)
TARGET_DIR=${BENCH_TARGET_DIR:-$ROOT/target/servers}
BIN=$TARGET_DIR/release
WORK=$(mktemp -d /tmp/login-bench.XXXXXX)
HZ=$(getconf CLK_TCK)

# ---------------------------------------------------------------------------------------------
# Processes: every server started here is killed on exit, by pid.
# At most one server runs at a time, and SERVER_PID is cleared once it has been reaped, so
# the trap never signals a pid that may have been reused.
SERVER_PID=
MINT_PID=
cleanup() {
    if [[ -n $MINT_PID ]]; then
        kill "$MINT_PID" 2>/dev/null || true
        wait "$MINT_PID" 2>/dev/null || true
    fi
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "run.sh: line $LINENO: a command failed (status $?)" >&2' ERR

die() {
    echo "FAIL: $*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------
# Tools and build.
need() {
    command -v "$1" >/dev/null 2>&1
}
if ! need wrk; then
    if [[ $(id -u) == 0 ]]; then
        apt-get update && apt-get install -y wrk
    else
        die "wrk is missing (apt-get install wrk)"
    fi
fi
for tool in curl taskset python3 cargo getconf; do
    need "$tool" || die "$tool is missing"
done
CPUS=$(getconf _NPROCESSORS_ONLN)
((CPUS >= 2)) || die "needs 2 CPUs (server on CPU 0, wrk on CPU 1); this machine has $CPUS"

echo "building the servers (release, target dir $TARGET_DIR)" >&2
CARGO_TARGET_DIR=$TARGET_DIR cargo build --release --quiet --manifest-path "$HERE/Cargo.toml" --bins

# ---------------------------------------------------------------------------------------------
# Servers.
NEXT_PORT=$BASE_PORT
SERVER_URL=

server_command() {
    case $1 in
    ours-equal) echo "$BIN/ours --equal-work" ;;
    bare | hand | identity | axum_login | ours) echo "$BIN/$1" ;;
    *) die "unknown server $1 (known: bare hand identity axum_login ours ours-equal)" ;;
    esac
}

# start_server NAME: starts it pinned to CPU 0 on a fresh loopback port and waits (bounded) until
# it answers. Sets SERVER_PID and SERVER_URL.
start_server() {
    local name=$1 port cmd i
    port=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
    cmd=$(server_command "$name")
    # taskset execs the server, so $! is the server's pid.
    # shellcheck disable=SC2086
    taskset -c 0 $cmd "$port" >"$WORK/$name.$port.log" 2>&1 &
    SERVER_PID=$!
    SERVER_URL="http://127.0.0.1:$port"
    for i in $(seq 1 100); do
        if curl -s -o /dev/null --max-time 1 "$SERVER_URL/login"; then
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || die "$name exited: $(cat "$WORK/$name.$port.log")"
        sleep 0.05
    done
    die "$name did not answer on $SERVER_URL within 5 s"
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}

cpu_ticks() { # utime + stime of a pid, in clock ticks (fields 14 and 15; comm may hold spaces)
    local stat
    stat=$(<"/proc/$1/stat")
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat # $1 is field 3 (state), so field 14 is $12
    echo $((${12} + ${13}))
}

status_kb() { # a field of /proc/<pid>/status, in kB
    awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"
}

# ---------------------------------------------------------------------------------------------
# curl helpers. Each request writes its headers to $WORK/h and its body to $WORK/b and prints
# the status code.
request() {
    curl -s --max-time 5 -A "$UA" -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' "$@"
}
header() { # the value of the last header $1 of the last response
    tr -d '\r' <"$WORK/h" | awk -v key="$(echo "$1" | tr 'A-Z' 'a-z')" '
        { name = tolower(substr($0, 1, index($0, ":") - 1)) }
        name == key { value = substr($0, index($0, ":") + 2) }
        END { print value }'
}
session_cookie() { # `id=...` from the last response's Set-Cookie headers
    { tr -d '\r' <"$WORK/h" | grep -i '^set-cookie: id=' || true; } | tail -1 | sed 's/^[^:]*: //; s/;.*//'
}
set_cookies() { # the names of the cookies the last response set, or -
    local names
    names=$({ tr -d '\r' <"$WORK/h" | grep -i '^set-cookie:' || true; } | sed 's/^[^:]*: //; s/=.*//' | paste -sd, -)
    echo "${names:--}"
}

login() { # POSTs the form; prints the status
    request -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
        --data "username=${2:-alice}&password=${3:-secret}" "$1/login"
}

# ---------------------------------------------------------------------------------------------
# Behaviour check: every server answers the routes the same way before anything is measured.
CHECK_FAILED=0
expect() { # expect SERVER WHAT EXPECTED ACTUAL
    if [[ $3 != "$4" ]]; then
        echo "  FAIL $1: $2: expected '$3', got '$4'" >&2
        CHECK_FAILED=1
    fi
}

check_server() {
    local name=$1 status cookie body notes=()
    start_server "$name"
    local url=$SERVER_URL

    status=$(login "$url")
    expect "$name" "POST /login status" 302 "$status"
    expect "$name" "POST /login Location" /protected "$(header location)"
    cookie=$(session_cookie)
    if [[ $name != bare ]]; then
        [[ -n $cookie ]] || {
            echo "  FAIL $name: POST /login set no session cookie" >&2
            CHECK_FAILED=1
        }
        notes+=("login cookie ${#cookie} B")

        status=$(request -H "Cookie: $cookie" "$url/protected")
        expect "$name" "GET /protected with the cookie: status" 200 "$status"
        expect "$name" "GET /protected with the cookie: body" "hello alice" "$(<"$WORK/b")"
        notes+=("logged-in GET sets: $(set_cookies)")

        status=$(request "$url/protected")
        expect "$name" "GET /protected without a cookie: status" 302 "$status"
        expect "$name" "GET /protected without a cookie: Location" \
            "/login?next=%2Fprotected" "$(header location)"
        notes+=("anonymous 302 sets: $(set_cookies)")

        status=$(login "$url" alice wrong)
        [[ $status != 302 ]] || {
            echo "  FAIL $name: a wrong password logged in" >&2
            CHECK_FAILED=1
        }
        notes+=("wrong password: $status")

        status=$(request -H "Cookie: $cookie" "$url/logout")
        expect "$name" "GET /logout status" 302 "$status"
        expect "$name" "GET /logout Location" / "$(header location)"
        notes+=("logout sets: $(set_cookies)")

        # Not required of every server: whether the cookie copied before logout still works.
        status=$(request -H "Cookie: $cookie" "$url/protected")
        notes+=("pre-logout cookie after logout: $status")
    else
        status=$(request "$url/protected")
        expect "$name" "GET /protected status" 200 "$status"
        expect "$name" "GET /protected body" "hello alice" "$(<"$WORK/b")"
        status=$(request "$url/logout")
        expect "$name" "GET /logout status" 302 "$status"
        expect "$name" "GET /logout Location" / "$(header location)"
        notes+=("no session, no auth")
    fi
    stop_server
    local joined
    joined=$(printf '%s; ' "${notes[@]}")
    echo "  $name: ${joined%; }"
}

behaviour_check() {
    local name
    echo "behaviour check:"
    for name in "$@"; do
        check_server "$name"
    done
    ((CHECK_FAILED == 0)) || die "the behaviour check failed (see above); nothing measured"
    echo "behaviour check: all servers answer as expected"
}

# ---------------------------------------------------------------------------------------------
# One measured run: RUN_* are set for the caller.
# run_wrk SCRIPT_ARGS...: warm-up 1 s, then DURATION s, reading the server's CPU around it.
run_wrk() {
    local out=$WORK/wrk.out before after
    timeout 30 taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d1s -H "User-Agent: $UA" "$@" >/dev/null 2>&1 ||
        die "warm-up failed: wrk $*"
    before=$(cpu_ticks "$SERVER_PID")
    timeout $((DURATION + 60)) taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" \
        -H "User-Agent: $UA" "$@" >"$out" 2>&1 || die "wrk failed: $(cat "$out")"
    after=$(cpu_ticks "$SERVER_PID")
    RUN_TICKS=$((after - before))
    RUN_REQUESTS=$(grep -oE '[0-9]+ requests in' "$out" | grep -oE '^[0-9]+' || echo 0)
    RUN_RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    RUN_NON2XX=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
    RUN_NON2XX=${RUN_NON2XX:-0}
    RUN_SOCKET=$(grep -oE 'Socket errors:.*' "$out" | tr ',' ';' || true)
    RUN_UNEXPECTED=$(awk '/^unexpected_status/ { print $2 }' "$out")
    RUN_UNEXPECTED=${RUN_UNEXPECTED:-missing}
    RUN_HWM=$(status_kb "$SERVER_PID" VmHWM)
    RUN_RSS=$(status_kb "$SERVER_PID" VmRSS)
    ((RUN_REQUESTS > 0)) || die "wrk completed no requests: $(cat "$out")"
    RUN_US=$(awk -v t="$RUN_TICKS" -v hz="$HZ" -v n="$RUN_REQUESTS" 'BEGIN { printf "%.3f", t * 1e6 / hz / n }')
    RUN_FLAG=ok
    if [[ $RUN_NON2XX != 0 || -n $RUN_SOCKET || $RUN_UNEXPECTED != 0 ]]; then
        RUN_FLAG=FLAGGED
    fi
}

# measure REP SCENARIO SERVER: one server process per run.
measure() {
    local rep=$1 scenario=$2 name=$3 expected cookie status
    start_server "$name"
    case $scenario in
    logged_in)
        status=$(login "$SERVER_URL")
        [[ $status == 302 ]] || die "$name: login for the cookie answered $status"
        cookie=$(session_cookie)
        if [[ $name == bare ]]; then cookie="id=none"; fi
        [[ -n $cookie ]] || die "$name: login set no cookie"
        run_wrk -s "$HERE/status.lua" -H "Cookie: $cookie" "$SERVER_URL/protected" -- 200
        ;;
    anonymous)
        expected=302
        if [[ $name == bare ]]; then expected=200; fi
        run_wrk -s "$HERE/status.lua" "$SERVER_URL/protected" -- "$expected"
        ;;
    login)
        run_wrk -s "$HERE/login.lua" "$SERVER_URL/login" -- 302
        ;;
    esac
    stop_server
    echo "$rep,$scenario,$name,$DURATION,$RUN_REQUESTS,$RUN_RPS,$RUN_TICKS,$HZ,$RUN_US,$RUN_HWM,$RUN_RSS,$RUN_NON2XX,${RUN_SOCKET:-},$RUN_UNEXPECTED,$RUN_FLAG" >>"$CSV"
    printf '  rep %d %-10s %-11s %9d requests %8.3f µs CPU/request  VmHWM %6d kB  %s\n' \
        "$rep" "$scenario" "$name" "$RUN_REQUESTS" "$RUN_US" "$RUN_HWM" "$RUN_FLAG" >&2
}

bench() {
    local servers=() rep scenario i n name
    read -r -a servers <<<"$SERVERS"
    n=${#servers[@]}
    CSV=$HERE/results.csv
    echo "rep,scenario,server,duration_s,requests,requests_per_s,cpu_ticks,clk_tck,us_cpu_per_request,vmhwm_kb,vmrss_kb,non_2xx_3xx,socket_errors,unexpected_status,flag" >"$CSV"
    echo "measuring: ${servers[*]}; ${REPS} reps × ${DURATION} s; server on CPU 0, wrk -t1 -c$CONNECTIONS on CPU 1" >&2
    for rep in $(seq 1 "$REPS"); do
        for scenario in logged_in anonymous login; do
            # Interleaved: each rep starts one server later in the list.
            for i in $(seq 0 $((n - 1))); do
                name=${servers[$(((i + rep - 1) % n))]}
                measure "$rep" "$scenario" "$name"
            done
        done
    done
    python3 "$HERE/report.py" bench "$CSV" "$HERE/results.md" \
        "duration ${DURATION} s, ${REPS} reps, wrk -t1 -c${CONNECTIONS}, $(uname -m), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ)"
}

# ---------------------------------------------------------------------------------------------
# Scale mode: ours (defaults) with many distinct sessions.
scale() {
    local cookies=$WORK/cookies.txt levels=() level minted status line i
    for level in $SCALE_LEVELS; do
        if ((level <= SCALE)); then levels+=("$level"); fi
    done
    if ((${#levels[@]} == 0)) || ((levels[${#levels[@]} - 1] != SCALE)); then levels+=("$SCALE"); fi
    CSV=$HERE/results-scale.csv
    echo "distinct_sessions,duration_s,requests,requests_per_s,cpu_ticks,clk_tck,us_cpu_per_request,vmrss_kb,vmhwm_kb,non_2xx_3xx,socket_errors,unexpected_status,flag" >"$CSV"

    start_server ours
    local rss_start hwm_start
    rss_start=$(status_kb "$SERVER_PID" VmRSS)
    hwm_start=$(status_kb "$SERVER_PID" VmHWM)
    local mint_seconds=${MINT_SECONDS:-300} started elapsed
    echo "scale: logging in $SCALE sessions (bounded: $mint_seconds s)" >&2
    # wrk sleeps for its whole -d even after mint.lua has stopped its thread, so the script
    # drops a marker file when it has all the cookies and wrk is stopped here.
    started=$(date +%s.%N)
    taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${mint_seconds}s" -H "User-Agent: $UA" \
        -s "$HERE/mint.lua" "$SERVER_URL/login" -- "$SCALE" "$cookies" id >"$WORK/mint.out" 2>&1 &
    MINT_PID=$!
    for i in $(seq 1 $((mint_seconds * 10))); do
        if [[ -e $cookies.done ]] || ! kill -0 "$MINT_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
    elapsed=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    kill "$MINT_PID" 2>/dev/null || true
    wait "$MINT_PID" 2>/dev/null || true
    MINT_PID=
    [[ -e $cookies.done ]] || die "minting did not finish within $mint_seconds s: $(cat "$WORK/mint.out")"
    minted=$(wc -l <"$cookies")
    echo "scale: $minted sessions logged in in $elapsed s" >&2
    ((minted == SCALE)) || die "minted $minted of $SCALE session cookies"
    [[ $(sort -u "$cookies" | wc -l) == "$SCALE" ]] || die "the minted cookies are not all distinct"
    # A sample must be logged in: first, middle, last.
    for i in 1 $(((SCALE + 1) / 2)) "$SCALE"; do
        line=$(sed -n "${i}p" "$cookies")
        status=$(request -H "Cookie: $line" "$SERVER_URL/protected")
        [[ $status == 200 && $(<"$WORK/b") == "hello alice" ]] ||
            die "minted cookie $i does not log in (status $status)"
    done
    local rss_minted hwm_minted
    rss_minted=$(status_kb "$SERVER_PID" VmRSS)
    hwm_minted=$(status_kb "$SERVER_PID" VmHWM)

    for level in "${levels[@]}"; do
        run_wrk -s "$HERE/scale.lua" "$SERVER_URL/protected" -- "$cookies" "$level" "$UA"
        echo "$level,$DURATION,$RUN_REQUESTS,$RUN_RPS,$RUN_TICKS,$HZ,$RUN_US,$RUN_RSS,$RUN_HWM,$RUN_NON2XX,${RUN_SOCKET:-},$RUN_UNEXPECTED,$RUN_FLAG" >>"$CSV"
        printf '  %7d sessions %9d requests %8.3f µs CPU/request  VmRSS %6d kB  VmHWM %6d kB  %s\n' \
            "$level" "$RUN_REQUESTS" "$RUN_US" "$RUN_RSS" "$RUN_HWM" "$RUN_FLAG" >&2
    done
    stop_server
    python3 "$HERE/report.py" scale "$CSV" "$HERE/results-scale.md" \
        "ours (defaults), $SCALE sessions logged in in $elapsed s; RSS at start $rss_start kB (HWM $hwm_start), after minting $rss_minted kB (HWM $hwm_minted); duration ${DURATION} s per level, wrk -t1 -c${CONNECTIONS}, $(date -u +%Y-%m-%dT%H:%MZ)"
}

# ---------------------------------------------------------------------------------------------
case $MODE in
check)
    read -r -a ALL <<<"$SERVERS"
    behaviour_check "${ALL[@]}"
    ;;
bench)
    read -r -a ALL <<<"$SERVERS"
    behaviour_check "${ALL[@]}"
    bench
    ;;
scale)
    behaviour_check ours
    scale
    ;;
esac

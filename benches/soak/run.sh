#!/usr/bin/env bash
# The soak loop of docs/store-faults.md, one command from a fresh clone:
#
#     benches/soak/run.sh            # about 2.5 minutes after the build
#
# 32 clients, each its own user: log in → 8 protected GETs checking the greeting names that user
# → log out → one GET that must be refused. First against actix-session's CookieSessionStore,
# then against Redis (RedisSessions + RedisRevocations + FailClosed) while Redis is paused,
# restarted empty, stopped and frozen. Reports logins, reads, identity mismatches (must be 0),
# errors by kind, recovery times and the server's RSS after warm-up and at the end. Everything
# listens on 127.0.0.1 and stops by itself; exits non-zero on an identity mismatch.
#
# SOAK_SECONDS (default 60) sets each run's length; SOAK_PROFILE=release builds optimised.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds="${SOAK_SECONDS:-60}"
profile="${SOAK_PROFILE:-dev}"

if ! command -v redis-server >/dev/null 2>&1; then
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

cargo build -p login-runtime-soak --features redis --profile "$profile"
dir=debug
[ "$profile" = dev ] || dir="$profile"
soak="target/$dir/login-runtime-soak"

echo "== cookie store (CookieSessionStore + MemoryRevocations)"
"$soak" run --store cookie --seconds "$seconds" --clients 32 --reads 8
echo
echo "== Redis (RedisSessions + RedisRevocations + FailClosed), with faults"
"$soak" run --store redis --seconds "$seconds" --clients 32 --reads 8 \
    --faults pause,restart,stop,freeze --fault-gap 8

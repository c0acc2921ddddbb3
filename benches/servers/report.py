#!/usr/bin/env python3
"""Turns run.sh's raw CSV into the markdown tables it prints and writes to results*.md.

    report.py bench results.csv results.md "<run description>"
    report.py scale results-scale.csv results-scale.md "<run description>"
"""

import csv
import statistics
import sys

ORDER = ["bare", "hand", "identity", "axum_login", "ours", "ours-equal"]
SCENARIOS = {
    "logged_in": "GET /protected, logged in (200)",
    "anonymous": "GET /protected, no cookie (302; `bare`: 200)",
    "login": "POST /login (302 + new session)",
}
DESCRIPTION = {
    "bare": "actix-web, no session",
    "hand": "actix-session + hand-written extractor",
    "identity": "actix-identity",
    "axum_login": "axum-login (tower-sessions MemoryStore)",
    "ours": "login-runtime, defaults",
    "ours-equal": "login-runtime, equal work",
}


def mib(kb):
    return f"{kb / 1024:.1f}"


def fmt_ratio(values):
    return f"{statistics.median(values):.2f}" if values else "–"


def bench(rows, description):
    out = [
        "# Login servers side by side",
        "",
        f"{description}.",
        "",
        "µs CPU/request: the server's utime+stime over the measured run / requests completed "
        "(median over reps). ×bare, ×hand: the median of the per-rep ratios to `bare` and to "
        "`hand` in the same rep and scenario. RSS: the server's VmHWM (peak resident set) at "
        "the end of the run, median over reps.",
        "",
    ]
    by_key = {}
    for row in rows:
        by_key.setdefault((row["scenario"], row["server"]), []).append(row)
    servers = [s for s in ORDER if any(r["server"] == s for r in rows)]
    servers += sorted({r["server"] for r in rows} - set(servers))
    flagged = [r for r in rows if r["flag"] != "ok"]
    for scenario, title in SCENARIOS.items():
        if not any(key[0] == scenario for key in by_key):
            continue
        out += [
            f"## {title}",
            "",
            "| server | µs CPU/request | ×bare | ×hand | requests/s | peak RSS MiB | per rep (µs) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for server in servers:
            runs = by_key.get((scenario, server))
            if not runs:
                continue
            us = {r["rep"]: float(r["us_cpu_per_request"]) for r in runs}
            ratios = {}
            for base in ("bare", "hand"):
                base_us = {
                    r["rep"]: float(r["us_cpu_per_request"])
                    for r in by_key.get((scenario, base), [])
                }
                ratios[base] = [us[rep] / base_us[rep] for rep in us if rep in base_us]
            rps = statistics.median(float(r["requests_per_s"]) for r in runs)
            hwm = statistics.median(int(r["vmhwm_kb"]) for r in runs)
            per_rep = " ".join(f"{us[rep]:.2f}" for rep in sorted(us, key=int))
            flag = " ⚠" if any(r["flag"] != "ok" for r in runs) else ""
            out.append(
                f"| {server}{flag} | {statistics.median(us.values()):.2f} | "
                f"{fmt_ratio(ratios['bare'])} | {fmt_ratio(ratios['hand'])} | {rps:,.0f} | "
                f"{mib(hwm)} | {per_rep} |"
            )
        out.append("")
    out += [
        "## Peak RSS per server (largest VmHWM over all its runs)",
        "",
        "| server | what | peak RSS MiB |",
        "| --- | --- | ---: |",
    ]
    for server in servers:
        peak = max(int(r["vmhwm_kb"]) for r in rows if r["server"] == server)
        out.append(f"| {server} | {DESCRIPTION.get(server, '')} | {mib(peak)} |")
    out.append("")
    if flagged:
        out += ["## ⚠ Flagged runs (non-2xx/3xx, socket errors or unexpected statuses)", ""]
        for r in flagged:
            out.append(
                f"- rep {r['rep']} {r['scenario']} {r['server']}: non-2xx/3xx "
                f"{r['non_2xx_3xx']}, socket errors '{r['socket_errors']}', unexpected "
                f"status {r['unexpected_status']}"
            )
        out.append("")
    return "\n".join(out)


def scale(rows, description):
    out = [
        "# login-runtime (defaults) with many distinct sessions",
        "",
        f"{description}.",
        "",
        "GET /protected, cycling round-robin through the first N session cookies (each a "
        "separate login); one server process for all levels, in this order.",
        "",
        "| distinct sessions | requests | µs CPU/request | requests/s | RSS MiB | peak RSS MiB | flag |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        out.append(
            f"| {int(r['distinct_sessions']):,} | {int(r['requests']):,} | "
            f"{float(r['us_cpu_per_request']):.2f} | {float(r['requests_per_s']):,.0f} | "
            f"{mib(int(r['vmrss_kb']))} | {mib(int(r['vmhwm_kb']))} | {r['flag']} |"
        )
    out.append("")
    return "\n".join(out)


def main():
    mode, csv_path, md_path, description = sys.argv[1:5]
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    text = bench(rows, description) if mode == "bench" else scale(rows, description)
    with open(md_path, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()

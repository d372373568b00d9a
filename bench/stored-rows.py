#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turns a stored results.json back into report.awk's input (a HEADER
file and a ROWS file, as bench/run.sh writes them), so that results.md
can be rendered again without measuring: bench/report.sh --stored.
Every figure report.awk prints is in the JSON, at the precision run.sh
wrote it (%.6g); plot lines are not (no bandwidth.png from here).

usage: stored-rows.py RESULTS_JSON HEADER_OUT ROWS_OUT
"""
import json
import sys


def num(v):
    return "-" if v is None else "%.6g" % v


def text(v):
    # a field of a tab-separated line
    return "-" if v is None else str(v).replace("\t", " ").replace("\n", " ")


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: stored-rows.py RESULTS_JSON HEADER_OUT ROWS_OUT")
    try:
        with open(sys.argv[1]) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit("stored-rows.py: %s: %s" % (sys.argv[1], e))
    with open(sys.argv[2], "w") as h:
        for k, v in d["run"].items():
            h.write("%s\t%s\n" % (text(k), text(v)))
    out = []
    for r in d["rows"]:
        if "skipped" in r:
            out.append(["skip", r["id"], r["metric"], r["skipped"]])
            continue
        c = r["comparator"] or {}
        out.append(["row", r["id"], r["metric"], r["unit"],
                    num(r["famfs"]["median"]), num(r["famfs"]["min"]),
                    num(r["famfs"]["max"]), c.get("name", "-"),
                    num(c.get("median")), num(c.get("min")),
                    num(c.get("max")), num(r["ratio"]), text(r["goal"]),
                    text(r["note"])])
    fl = d.get("floor") or {"run": {}, "rows": []}
    for k, v in fl["run"].items():
        out.append(["fheader", k, v])
    for r in fl["rows"]:
        if "skipped" in r:
            out.append(["skip", r["id"], r["metric"], r["skipped"]])
            continue
        out.append(["floor", r["id"], r["metric"], r["unit"],
                    num(r["famfs"]), num(r["floor"]), num(r["tmpfs"])] +
                   [num(v) for v in r["famfs_tmpfs"] + r["floor_tmpfs"] +
                    r["famfs_floor"]] + [text(r["goal"]), text(r["note"])])
    with open(sys.argv[3], "w") as f:
        for line in out:
            f.write("\t".join(text(x) for x in line) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic bug injection: apply each mutation of a fixed list, one
at a time, to a private copy of the tree, rebuild, run the fast suites,
and report which mutations no test caught.

A mutation is anchored on a code fragment, not a line number: it replaces
the first occurrence of `find` in `file` with `replace`. When `find` no
longer occurs exactly once the mutation is reported as stale (the code
moved on; update the list) and counts as not caught, so a list that
drifts from the code cannot pass silently.

A mutation may name the test written for it (test: NAME...). That test
runs first; only when it passes do the whole suites run (so a caught
mutation costs one test, a survivor the suites). With --targeted only
the named tests run, which shows that each of them, not just some older
test, fails with its bug put back.

A mutated tree that does not build injects no bug: it is reported
BROKEN and counts as not caught, like a stale anchor.

--check applies each mutation to the source in memory only (no copy, no
build, no tests): the anchor must occur exactly once and the replacement
must change the file. Run it after any change to the code a mutation is
anchored on; it takes a second.

usage: mutate.py [--list FILE] [--only ID[,ID...]] [--targeted] [--check]
                 [--scratch DIR] [--keep] [SOURCE_ROOT]
Exit status: 0 when every mutation was caught (or, with --check, every
anchor applies), 1 otherwise, 2 on setup errors.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

FAST_SUITES = ["unit", "shell", "cli", "mount"]


def parse_list(path):
    """Blocks of 'key: value' lines separated by blank lines."""
    mutations, cur = [], {}
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                if cur:
                    mutations.append(cur)
                    cur = {}
                continue
            key, sep, value = line.partition(": ")
            if not sep:
                key, value = line.rstrip(":"), ""
            if key.strip() in ("find", "replace"):
                value = value.replace("\\n", "\n").replace("\\t", "\t")
            cur[key.strip()] = value
    if cur:
        mutations.append(cur)
    for m in mutations:
        for key in ("id", "file", "find", "replace", "why"):
            if key not in m:
                sys.exit(f"mutate: {path}: mutation {m.get('id', '?')} "
                         f"has no '{key}'")
    ids = [m["id"] for m in mutations]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        sys.exit(f"mutate: {path}: duplicate ids {sorted(dup)}")
    return mutations


def copy_tree(src, dst):
    """The working tree as git sees it (tracked and new files)."""
    files = subprocess.run(
        ["git", "-C", src, "ls-files", "-z", "--cached", "--others",
         "--exclude-standard"], check=True, capture_output=True).stdout
    for rel in files.decode().split("\0"):
        if not rel or not os.path.isfile(os.path.join(src, rel)):
            continue
        os.makedirs(os.path.join(dst, os.path.dirname(rel)), exist_ok=True)
        shutil.copy2(os.path.join(src, rel), os.path.join(dst, rel))


def run(cmd, cwd, log):
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        return subprocess.run(cmd, cwd=cwd, stdout=out,
                              stderr=subprocess.STDOUT).returncode


def failed_tests(log, since):
    """Names of the tests meson reported failing after offset @since."""
    names = []
    with open(log, encoding="utf-8", errors="replace") as f:
        f.seek(since)
        for line in f:
            # " 5/13 famfs:unit / fsck   FAIL   0.15s   exit status 1"
            parts = line.split()
            if len(parts) >= 5 and parts[1].startswith("famfs:") and \
                    parts[4] in ("FAIL", "TIMEOUT", "ERROR"):
                name = parts[1].split(":", 1)[1] + "/" + parts[3]
                # --print-errorlogs names it again in its summary
                if name not in names:
                    names.append(name)
    return names


def check_anchors(mutations, root):
    """Dry run: every anchor occurs once and its replacement changes it."""
    bad = 0
    for m in mutations:
        path = os.path.join(root, m["file"])
        try:
            with open(path, encoding="utf-8") as f:
                original = f.read()
        except OSError as e:
            print(f"{m['id']} ({m['file']}): STALE: {e.strerror}")
            bad += 1
            continue
        hits = original.count(m["find"])
        mutated = original.replace(m["find"], m["replace"], 1)
        if hits != 1:
            print(f"{m['id']} ({m['file']}): STALE: anchor found {hits} "
                  f"times")
            bad += 1
        elif mutated == original:
            print(f"{m['id']} ({m['file']}): STALE: the replacement "
                  f"changes nothing")
            bad += 1
        else:
            line = original[:original.index(m["find"])].count("\n") + 1
            print(f"{m['id']} ({m['file']}:{line}): applies")
    print(f"\nmutate --check: {len(mutations) - bad}/{len(mutations)} "
          f"anchors apply")
    return 1 if bad else 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", default=os.path.join(here, "mutations.txt"))
    ap.add_argument("--only", help="comma-separated mutation ids")
    ap.add_argument("--targeted", action="store_true",
                    help="run only the tests each mutation names")
    ap.add_argument("--check", action="store_true",
                    help="only check that every anchor applies (no build)")
    ap.add_argument("--scratch", metavar="DIR",
                    help="scratch tree to use and keep (a second run "
                    "rebuilds only what changed: a long list can run in "
                    "parts)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the scratch tree (its path is printed)")
    ap.add_argument("root", nargs="?",
                    default=os.path.normpath(os.path.join(here, "..", "..")))
    args = ap.parse_args()

    mutations = parse_list(args.list)
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - {m["id"] for m in mutations}
        if unknown:
            sys.exit(f"mutate: unknown ids {sorted(unknown)}")
        mutations = [m for m in mutations if m["id"] in wanted]
    if args.targeted:
        mutations = [m for m in mutations if m.get("test")]
    if args.check:
        return check_anchors(mutations, args.root)

    work = args.scratch or tempfile.mkdtemp(prefix="famfs-mutate.")
    # mkdtemp makes it 0700: tests that run steps as nobody (direct-map's
    # read-only device) would skip them, and their mutations survive
    os.chmod(work, 0o755)
    tree, build = os.path.join(work, "src"), os.path.join(work, "build")
    log = os.path.join(work, "mutate.log")
    print(f"mutate: scratch tree {work} (log: {log})", flush=True)
    copy_tree(args.root, tree)
    if (not os.path.exists(os.path.join(build, "build.ninja")) and
        run(["meson", "setup", build, "-Dwerror=true", "-Dkmod=false"],
            tree, log)) or run(["ninja", "-C", build], tree, log):
        print("mutate: the unmutated tree does not build; see the log")
        return 2

    caught, survivors, stale, broken = 0, [], [], []
    for n, m in enumerate(mutations, 1):
        path = os.path.join(tree, m["file"])
        with open(path, encoding="utf-8") as f:
            original = f.read()
        hits = original.count(m["find"])
        label = f"[{n}/{len(mutations)}] {m['id']} ({m['file']})"
        if hits != 1:
            stale.append(m)
            print(f"{label}: STALE: anchor found {hits} times", flush=True)
            continue
        with open(path, "w", encoding="utf-8") as f:
            f.write(original.replace(m["find"], m["replace"], 1))
        start = time.monotonic()
        suites = m.get("suites", "").split() or FAST_SUITES
        try:
            with open(log, "a", encoding="utf-8") as out:
                out.write(f"\n==== {m['id']}: {m['why']}\n")
            verdict = None
            if run(["ninja", "-C", build], tree, log):
                verdict = "BROKEN"
            else:
                # the log says why each test failed: caught for the
                # bug it names, or for something else?
                cmd = ["meson", "test", "-C", build, "--no-rebuild",
                       "--maxfail", "1", "--num-processes", "2",
                       "--print-errorlogs"]
                tries = [m["test"].split()] if m.get("test") else []
                if not args.targeted:
                    tries.append([a for s in suites for a in ("--suite", s)])
                for names in tries:
                    since = os.path.getsize(log)
                    if run(cmd + names, tree, log):
                        verdict = "caught by " + (
                            ", ".join(failed_tests(log, since)) or
                            " ".join(names))
                        break
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        secs = time.monotonic() - start
        if verdict == "BROKEN":
            broken.append(m)
            print(f"{label}: BROKEN: the mutated tree does not build "
                  f"({secs:.0f} s)", flush=True)
        elif verdict:
            caught += 1
            print(f"{label}: {verdict} ({secs:.0f} s)", flush=True)
        else:
            survivors.append(m)
            print(f"{label}: SURVIVED ({secs:.0f} s): {m['why']}",
                  flush=True)

    total = len(mutations)
    print(f"\nmutate: {caught}/{total} caught, {len(survivors)} survived, "
          f"{len(stale)} stale, {len(broken)} broken")
    for m in survivors:
        print(f"  survived: {m['id']} ({m['file']}): {m['why']}")
    for m in stale:
        print(f"  stale:    {m['id']} ({m['file']}): anchor "
              f"'{m['find']}' no longer matches once")
    for m in broken:
        print(f"  broken:   {m['id']} ({m['file']}): the mutated tree "
              f"does not build")
    # rebuild unmutated so a kept tree is consistent
    run(["ninja", "-C", build], tree, log)
    if args.keep or args.scratch or caught != total:
        print(f"mutate: scratch tree and log kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if caught == total else 1


if __name__ == "__main__":
    sys.exit(main())

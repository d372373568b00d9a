#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every short option famfs takes is documented: each letter that
`famfs --list-opts CMD` prints appears as "Fl x" (alone, in a cluster
such as "Fl lR", or in a list such as "Fl N , B , C") in CMD's entry of
famfs(1), or, for upstream's no-op spellings, after ".Cm CMD" in its
COMPATIBILITY section's list of aliases. TAP output.
usage: man-options.py FAMFS PAGE"""
import re
import subprocess
import sys


def letters(line):
    """The option letters of one mdoc line's Fl macros."""
    found = set()
    for m in re.finditer(r'\bFl ((?:[A-Za-z]+|\?)(?: , [A-Za-z])*)(?=\s|$)',
                         line):
        found.update(c for c in m.group(1) if c.isalpha() or c == '?')
    return found


def documented(page):
    """{command: set of letters} from the entries and COMPATIBILITY."""
    lines = open(page).read().split('\n')
    flags, cur, section = {}, None, None
    for i, line in enumerate(lines):
        if line.startswith('.Sh '):
            section, cur = line[4:], None
        if section == 'COMPATIBILITY' and line.startswith('.Bl'):
            section = 'differences'	# refusals are not documentation
        if section == 'differences':
            continue
        m = re.match(r'\.It Cm (\S+)', line)
        if not m and line == '.It Xo' and i + 1 < len(lines):
            m = re.match(r'\.Cm (\S+)', lines[i + 1])
        if section == 'COMPATIBILITY':
            m = m or re.match(r'\.Cm (\S+)$', line)
        if m:
            cur = m.group(1)
        elif line.startswith('.Ss ') or line == '.El':
            cur = None if section != 'COMPATIBILITY' else cur
        if cur:
            flags.setdefault(cur, set()).update(letters(line))
    return flags


def main():
    famfs, page = sys.argv[1], sys.argv[2]
    flags = documented(page)
    run = lambda *a: subprocess.run([famfs, *a], capture_output=True,
                                    text=True, check=True).stdout.split()
    n = failed = 0
    for cmd in run('--list-cmds'):
        for opt in run('--list-opts', cmd):
            if not re.fullmatch(r'-[A-Za-z]', opt) or opt == '-h':
                continue
            n += 1
            if opt[1] in flags.get(cmd, set()):
                print(f'ok {n} - {cmd} {opt} is in famfs(1)')
            else:
                failed += 1
                print(f'not ok {n} - {cmd} {opt} is not in its famfs(1) '
                      'entry')
    print(f'1..{n}')
    return 1 if failed or not n else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Counts test results and prints the closing line of make check: N passed, N failed[, N skipped].

    summarize.py [--label NAME] FILE [[--label NAME] FILE ...]

Each FILE is either meson's testlog.json (one JSON object per line; a TAP test's subtests are
counted one by one) or TAP text: node --test output (counted from its "# pass N" summary) or
plain TAP such as the fuzz step's (one "ok"/"not ok" line per test, checked against the plan).
--label prefixes the names of the following files' tests in the list of failures, so the same
test run in two builds (plain and ASan) stays distinct. A missing or empty file counts as one
failure. Exits non-zero when anything failed or when no test ran at all."""
import json
import re
import sys

RESULT = re.compile(r'^(\s*)(not ok|ok)\b\s*\d*\s*(?:-\s*)?(.*)$')


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def fail(self, name, n=1):
        self.failed += n
        self.failures.append(name)


def tap_lines(text):
    """Yields (indent, ok, name, skipped) for each result line of TAP text."""
    for line in text.splitlines():
        m = RESULT.match(line)
        if not m:
            continue
        indent, verdict, rest = m.groups()
        skip = re.search(r'#\s*skip', rest, re.I) is not None
        yield len(indent), verdict == 'ok', rest.split(' # ')[0].strip(), skip


def count_plain_tap(text, label, tally, top_only=False):
    """Counts result lines; returns how many there were. top_only ignores indented subtests."""
    seen = 0
    for indent, ok, name, skip in tap_lines(text):
        if top_only and indent:
            continue
        seen += 1
        if skip:
            tally.skipped += 1
        elif ok:
            tally.passed += 1
        else:
            tally.fail(f'{label}{name}')
    return seen


def meson(path, label, tally):
    try:
        lines = [l for l in open(path).read().splitlines() if l.strip()]
    except OSError:
        print(f'summarize: no meson results at {path}', file=sys.stderr)
        tally.fail(f'{label}(no meson results)')
        return
    if not lines:
        tally.fail(f'{label}(empty meson results)')
        return
    for line in lines:
        t = json.loads(line)
        name = f"{label}{t.get('name', '?')}"
        result = t.get('result')
        sub = Tally()
        n = count_plain_tap(t.get('stdout') or '', f'{name}: ', sub, top_only=True)
        if n == 0:
            if result == 'SKIP':
                tally.skipped += 1
            elif result == 'OK':
                tally.passed += 1
            else:
                tally.fail(f'{name} ({result})')
            continue
        tally.passed += sub.passed
        tally.skipped += sub.skipped
        tally.failed += sub.failed
        tally.failures += sub.failures
        if result not in ('OK', 'SKIP') and sub.failed == 0:
            tally.fail(f'{name} ({result} after its last TAP line)')


def tap(path, label, tally):
    try:
        text = open(path, errors='replace').read()
    except OSError:
        print(f'summarize: no TAP results at {path}', file=sys.stderr)
        tally.fail(f'{label}(no results at {path})')
        return
    nums = {k: int(v) for k, v in
            re.findall(r'^# (pass|fail|skipped|cancelled|todo) (\d+)$', text, re.M)}
    if nums:  # node --test: its own summary is authoritative (subtests are nested TAP)
        tally.passed += nums.get('pass', 0)
        tally.skipped += nums.get('skipped', 0) + nums.get('todo', 0)
        bad = nums.get('fail', 0) + nums.get('cancelled', 0)
        tally.failed += bad
        if bad:
            names = [n for i, ok, n, s in tap_lines(text) if not ok and not s]
            tally.failures += [f'{label}{n}' for n in names] or [f'{label}(see {path})']
        return
    seen = count_plain_tap(text, label, tally, top_only=True)
    plan = re.search(r'^1\.\.(\d+)', text, re.M)
    if plan and int(plan.group(1)) > seen:
        tally.fail(f'{label}({int(plan.group(1)) - seen} planned tests never reported)',
                   int(plan.group(1)) - seen)
    elif seen == 0:
        print(f'summarize: {path} holds no test results', file=sys.stderr)
        tally.fail(f'{label}(no results in {path})')


def is_meson_log(path):
    try:
        with open(path) as f:
            return f.read(1) == '{'
    except OSError:
        return path.endswith('.json')


def main(argv):
    tally = Tally()
    label = ''
    files = 0
    i = 0
    while i < len(argv):
        if argv[i] == '--label':
            if i + 1 >= len(argv):
                print('summarize: --label needs a name', file=sys.stderr)
                return 2
            label = argv[i + 1] + '/' if argv[i + 1] else ''
            i += 2
            continue
        path = argv[i]
        (meson if is_meson_log(path) else tap)(path, label, tally)
        files += 1
        i += 1
    if files == 0:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for name in tally.failures[:50]:
        print(f'FAILED {name}')
    if len(tally.failures) > 50:
        print(f'... and {len(tally.failures) - 50} more failures')
    line = f'{tally.passed} passed, {tally.failed} failed'
    if tally.skipped:
        line += f', {tally.skipped} skipped'
    print(line)
    return 1 if tally.failed or tally.passed == 0 else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Counts test results from meson's testlog.json (TAP subtests counted one by one) and
node --test TAP output, and prints the closing line: N passed, N failed[, N skipped].
Exits non-zero when anything failed or when no test ran at all."""
import json
import re
import sys

passed = failed = skipped = 0


def count_tap(text):
    p = f = s = 0
    for line in text.splitlines():
        m = re.match(r'^(not ok|ok) \d+', line)
        if not m:
            continue
        if '# SKIP' in line or '# skip' in line:
            s += 1
        elif m.group(1) == 'ok':
            p += 1
        else:
            f += 1
    return p, f, s


def meson(path):
    global passed, failed, skipped
    try:
        lines = open(path).read().splitlines()
    except OSError:
        print(f'summarize: no meson results at {path}', file=sys.stderr)
        failed += 1
        return
    for line in lines:
        t = json.loads(line)
        result = t.get('result')
        p, f, s = count_tap(t.get('stdout') or '')
        if p + f + s == 0:
            p, f, s = (result == 'OK', result not in ('OK', 'SKIP'), result == 'SKIP')
        elif result not in ('OK', 'SKIP') and f == 0:
            f = 1  # crashed after its last TAP line
        passed, failed, skipped = passed + p, failed + f, skipped + s


def node(path):
    global passed, failed, skipped
    text = open(path).read()
    nums = {k: int(v) for k, v in re.findall(r'^# (pass|fail|skipped|cancelled) (\d+)$', text, re.M)}
    if not nums:
        print('summarize: node --test printed no summary', file=sys.stderr)
        failed += 1
        return
    passed += nums.get('pass', 0)
    failed += nums.get('fail', 0) + nums.get('cancelled', 0)
    skipped += nums.get('skipped', 0)


meson(sys.argv[1])
node(sys.argv[2])
line = f'{passed} passed, {failed} failed'
if skipped:
    line += f', {skipped} skipped'
print(line)
sys.exit(1 if failed or passed == 0 else 0)

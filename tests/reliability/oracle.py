#!/usr/bin/env python3
"""oracle.py BUILD — valgrind memcheck as the oracle: oracle_leaks.c built plainly (-gdwarf-4, which valgrind
3.19 reads) runs under memcheck --leak-check=full; built with tmtrace it runs with snapshot_at_exit, and
tmtrace-diff --format json counts the live traces allocated in oracle_leaks.c. The blocks (and bytes) the
program had alive at exit must agree exactly: memcheck's loss records of every kind whose stack passes
through oracle_leaks.c, against tmtrace's traces of that file (tmtrace blames an uninstrumented allocation,
e.g. pthread_create's, on the innermost instrumented line: the same blocks)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

build = sys.argv[1]
source = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'programs', 'oracle_leaks.c')
if not shutil.which('valgrind'):
    print('valgrind is not installed: skipped')
    sys.exit(77)  # ctest SKIP_RETURN_CODE

RECORD = re.compile(r'^==\d+== ([\d,]+)(?: \([\d,]+ direct, [\d,]+ indirect\))? bytes in ([\d,]+) blocks are '
                    r'(definitely lost|indirectly lost|possibly lost|still reachable) in loss record')


def number(text):
    return int(text.replace(',', ''))


def memcheck_counts(log):
    """{line: [blocks, bytes]} of the loss records whose stack passes through oracle_leaks.c (by the innermost
    frame there), and the blocks of each kind."""
    per_line = {}
    kinds = {}
    lines = log.splitlines()
    for i, line in enumerate(lines):
        m = RECORD.match(line)
        if not m:
            continue
        stack = []
        for follow in lines[i + 1:]:
            if not re.match(r'^==\d+==    (at|by) ', follow):
                break
            stack.append(follow)
        ours = [int(f.group(1)) for f in (re.search(r'[(/]oracle_leaks\.c:(\d+)\)', frame) for frame in stack) if f]
        if not ours:
            continue
        direct_bytes = re.search(r'\(([\d,]+) direct', line)
        entry = per_line.setdefault(ours[0], [0, 0])
        entry[0] += number(m.group(2))
        entry[1] += number(direct_bytes.group(1)) if direct_bytes else number(m.group(1))
        kinds[m.group(3)] = kinds.get(m.group(3), 0) + number(m.group(2))
    return per_line, kinds


with tempfile.TemporaryDirectory() as work:
    plain = os.path.join(work, 'plain')
    traced = os.path.join(work, 'traced')
    subprocess.run(['clang-19', '-O1', '-gdwarf-4', '-fno-builtin', source, '-o', plain, '-lpthread'], check=True)
    subprocess.run([os.path.join(build, 'bin', 'tmtrace-clang'), '-fsanitize=tmtrace', '-O1', '-fno-builtin',
                    source, '-o', traced, '-lpthread'], check=True)
    # No libc freeres: memcheck must see the heap as the program left it, as tmtrace's exit snapshot does.
    vg = subprocess.run(['valgrind', '--leak-check=full', '--show-leak-kinds=all', '--num-callers=40',
                         '--run-libc-freeres=no', '--error-exitcode=99', '--errors-for-leak-kinds=none', plain],
                        capture_output=True, text=True, timeout=120)
    if vg.returncode != 0 or 'oracle_leaks: done' not in vg.stdout:
        sys.exit('valgrind run failed (%d):\n%s' % (vg.returncode, vg.stderr[-3000:]))
    vg_lines, kinds = memcheck_counts(vg.stderr)

    snap = os.path.join(work, 'exit.tmsnap')
    run = subprocess.run([traced], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, TMTRACE_OPTIONS='snapshot_at_exit=' + snap))
    if run.returncode != 0 or run.stderr:
        sys.exit('traced run failed (%d): %s' % (run.returncode, run.stderr))
    out = subprocess.run([os.path.join(build, 'bin', 'tmtrace-diff'), '--format', 'json', '--limit', '0',
                          '--include', '*/oracle_leaks.c', snap], capture_output=True, text=True, check=True).stdout
    tm_lines = {e['traceback'][-1]['lineno']: [e['count'], e['size']] for e in json.loads(out)['entries']}

    vg_blocks = sum(c for c, _ in vg_lines.values())
    tm_blocks = sum(c for c, _ in tm_lines.values())
    print('memcheck: %d blocks alive at exit from oracle_leaks.c (%s)' %
          (vg_blocks, ', '.join('%s %d' % kv for kv in sorted(kinds.items()))))
    print('tmtrace:  %d blocks' % tm_blocks)
    for line in sorted(set(vg_lines) | set(tm_lines)):
        print('  oracle_leaks.c:%d  memcheck %s  tmtrace %s' % (line, vg_lines.get(line), tm_lines.get(line)))
    # Every kind must be present, or the program no longer tests what it claims.
    missing = {'definitely lost', 'indirectly lost', 'possibly lost', 'still reachable'} - set(kinds)
    if missing:
        sys.exit('memcheck found no %s block: the program lost its purpose' % ', '.join(sorted(missing)))
    # Exact per line, blocks and bytes; but pthread_create's thread descriptors (DTV) are larger under tmtrace
    # by the one TLS module libtmtrace.so adds: there only the number of blocks must agree.
    dtv_line = next(n for n, text in enumerate(open(source), 1) if 'pthread_create(' in text)
    disagree = [line for line in set(vg_lines) | set(tm_lines)
                if (vg_lines.get(line) != tm_lines.get(line) if line != dtv_line
                    else (vg_lines.get(line) or [0])[0] != (tm_lines.get(line) or [0])[0])]
    if tm_blocks != vg_blocks or disagree:
        print(vg.stderr[-6000:], file=sys.stderr)
        sys.exit('tmtrace and memcheck disagree at oracle_leaks.c lines %s' % sorted(disagree))

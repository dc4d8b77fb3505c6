#!/usr/bin/env python3
"""hostile_files.py BUILD SOURCE — tmtrace-diff against every truncation of a real snapshot, a flipped bit in every
byte, trailing data, a sparse 4 GiB file, endless and random streams, and the loader's libFuzzer corpus
(tests/snapshot/fuzz_corpus, replayed through the tool rather than the fuzz target). Every bad file must be
refused with exit status 2 and one line naming the file; nothing may crash, hang or be accepted."""
import os
import random
import subprocess
import sys
import tempfile

build, source = sys.argv[1], sys.argv[2]
diff_tool = os.path.join(build, 'bin', 'tmtrace-diff')
failures = []

PROGRAM = r'''
#include <stdlib.h>
static void *leaf(size_t n) { return malloc(n); }
static void *middle(size_t n) { return leaf(n); }
void *keep[6];
int main(void) {
    for (int i = 0; i < 6; i++) keep[i] = i % 2 ? middle(100 + i) : leaf(7 * i + 1);
    return 0;
}
'''


def run(args, timeout=10):
    try:
        p = subprocess.run([diff_tool] + args, capture_output=True, text=True, errors='replace', timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 'timeout', '', ''


def expect_refused(label, path, args=()):
    status, out, err = run(list(args) + [path])
    lines = err.splitlines()
    if status != 2 or out or len(lines) != 1 or not lines[0].startswith("tmtrace-diff: cannot load snapshot '%s': " % path):
        failures.append('%s: status %s, stdout %r, stderr %r' % (label, status, out[:200], err[:300]))


with tempfile.TemporaryDirectory() as work:
    src = os.path.join(work, 'program.c')
    with open(src, 'w') as f:
        f.write(PROGRAM)
    exe = os.path.join(work, 'program')
    subprocess.run([os.path.join(build, 'bin', 'tmtrace-clang'), '-fsanitize=tmtrace', '-O0', src, '-o', exe],
                   check=True)
    good = os.path.join(work, 'good.tmsnap')
    subprocess.run([exe], check=True, env=dict(os.environ, TMTRACE_OPTIONS='frames=5:snapshot_at_exit=' + good))
    data = open(good, 'rb').read()
    status, good_out, err = run(['--key', 'traceback', good])
    if status != 0 or 'program.c' not in good_out:
        sys.exit('the good snapshot does not load: status %s, %s' % (status, err))
    bad = os.path.join(work, 'bad.tmsnap')

    def write_bad(content):
        with open(bad, 'wb') as f:
            f.write(content)

    # Every length through the header and the first records, then every 5th (the run stays within seconds).
    lengths = [n for n in range(len(data)) if n < 96 or n % 5 == 0]
    for length in lengths:
        write_bad(data[:length])
        expect_refused('truncated to %d of %d bytes' % (length, len(data)), bad)
    rng = random.Random(7)
    offsets = range(0, len(data), 2)
    for offset in offsets:
        flipped = bytearray(data)
        flipped[offset] ^= 1 << rng.randrange(8)
        write_bad(bytes(flipped))
        expect_refused('bit flipped at byte %d' % offset, bad)
    for extra in (b'\0', b'x' * 4096, data):
        write_bad(data + extra)
        expect_refused('%d trailing bytes' % len(extra), bad)
    with open(bad, 'wb') as f:  # 4 GiB, sparse: must be refused without reading it all
        f.write(data[:16])
        f.truncate(4 << 30)
    expect_refused('sparse 4 GiB file', bad)
    expect_refused('/dev/zero', '/dev/zero')
    os.remove(bad)
    expect_refused('missing file', bad)
    expect_refused('a path through a file', good + '/x', ['--format', 'json'])
    expect_refused('bad NEW after a good OLD', '/dev/null', [good])

    corpus = os.path.join(source, 'tests', 'snapshot', 'fuzz_corpus')
    replayed = accepted = 0
    for name in sorted(os.listdir(corpus)):
        path = os.path.join(corpus, name)
        status, out, err = run(['--format', 'json', path])
        replayed += 1
        if status == 0:
            accepted += 1
        elif status != 2 or not err.startswith("tmtrace-diff: cannot load snapshot '%s': " % path):
            failures.append('corpus %s: status %s, stderr %r' % (name, status, err[:300]))

    print('truncations: %d, bit flips: %d, trailing data: 3, sparse 4 GiB, /dev/zero, missing, path through a file, '
          'bad NEW: all refused with exit status 2 and the file named' % (len(lengths), len(offsets)))
    print('fuzz corpus through tmtrace-diff: %d files, %d accepted, none crashed' % (replayed, accepted))
if failures:
    print('\n'.join(failures[:30]), file=sys.stderr)
    sys.exit('%d hostile files were not refused properly' % len(failures))

# SPDX-License-Identifier: Apache-2.0
"""Two or more fcnn builds (or JVM options) against each other in alternating windows.

The twin of paired.py for a change to fcnn itself: each configuration runs `bench --paired ...` in its own
JVM, kept warm, and the driver alternates windows between them (A, B, ..., then in reverse, ...), so every
round is measured within a few seconds on a machine whose speed moves by a third from minute to minute. It
prints each configuration's median rate and the median (and quartiles) of its per-round ratio to the first.

A configuration is `JAR|JVM-OPTIONS` or only `JVM-OPTIONS` (then the jar is nn-examples/target/fcnn.jar).

Usage (from the repository root; keep the old jar first, e.g. `cp nn-examples/target/fcnn.jar /tmp/old.jar`
before rebuilding):
  /usr/bin/python3 nn-bench/ab.py --rounds 12 --ms 1000 \\
      --bench "--fmnist --hidden 128 --batch 256 --threads 2" "/tmp/old.jar|" "nn-examples/target/fcnn.jar|"
  /usr/bin/python3 nn-bench/ab.py --bench "--gemm 1024 --precision float32 --threads 1" -- "" "-Dfcnn.cpu.kc=256"
(`--` before configurations that start with a dash.)
"""
import argparse
import shlex
import statistics
import subprocess
import sys

DEFAULT_JAR = 'nn-examples/target/fcnn.jar'

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument('--bench', required=True, help='the bench arguments of one workload (without --paired)')
ap.add_argument('--rounds', type=int, default=12, help='rounds of one window per configuration')
ap.add_argument('--ms', type=int, default=1000, help='window length')
ap.add_argument('--java', default='java')
ap.add_argument('configs', nargs='+', help='JAR|JVM-OPTIONS or JVM-OPTIONS; the first is the baseline')
args = ap.parse_args()

procs = []
for config in args.configs:
    jar, _, options = config.rpartition('|') if '|' in config else (DEFAULT_JAR, '', config)
    cmd = ([args.java, '--add-modules', 'jdk.incubator.vector'] + shlex.split(options)
           + ['-jar', jar or DEFAULT_JAR, 'bench', '--paired'] + shlex.split(args.bench))
    procs.append(subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True))
for config, p in zip(args.configs, procs):
    for line in p.stdout:
        if line.startswith('READY'):
            break
    else:
        sys.exit(f'{config!r}: bench ended before READY (run it alone to see why)')


def window(p):
    p.stdin.write(f'{args.ms}\n')
    p.stdin.flush()
    reply = p.stdout.readline().split()
    if len(reply) < 2 or reply[0] != 'WINDOW':
        sys.exit(f'unexpected reply {reply!r}')
    return float(reply[1])


rates = [[] for _ in procs]
for r in range(args.rounds):
    order = range(len(procs)) if r % 2 == 0 else reversed(range(len(procs)))
    for i in order:
        rates[i].append(window(procs[i]))
for p in procs:
    p.stdin.close()
    p.wait()
n = args.rounds
for config, rs in zip(args.configs, rates):
    ratios = sorted(a / b for a, b in zip(rs, rates[0]))
    print(f'RESULT {config!r}: median {statistics.median(rs):.1f}; ratio to the first per round: median '
          f'{statistics.median(ratios):.3f} (quartiles {ratios[n // 4]:.3f}-{ratios[(3 * n) // 4]:.3f}), {n} rounds '
          f'of {args.ms} ms; bench {args.bench}')

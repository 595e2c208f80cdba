"""fcnn against its peer in alternating windows, on one machine at the same time.

On a shared VM a neighbour can take part of a core for seconds at a time, moving single figures by
30-50%: a median taken by fcnn and another taken by OpenBLAS a minute later compare two states of the
machine, not two libraries. This driver keeps both warm in two processes and alternates short windows
(fcnn, peer, peer, fcnn, ...), so that each pair is measured within a second; it prints every pair, each
side's median and quartiles, and the median of the per-pair ratios.

  gemm:   fcnn `bench --gemm N --precision P --paired` against numpy's matmul (OpenBLAS)
  fmnist: fcnn `bench --fmnist --hidden H --batch B --paired` against PyTorch training the same
          784-H-10 network as ../shared/peers/fmnist.py (sigmoid, CrossEntropyLoss, SGD 0.1, shuffled
          full batches)

Usage (from the repository root, after `mvn -B -q package -DskipTests -pl nn-examples -am`):
  /usr/bin/python3 nn-bench/paired.py gemm --n 1024 --precision float32 --threads 1
  /usr/bin/python3 nn-bench/paired.py fmnist --hidden 128 --batch 256 --threads 2 --peer-threads 1
Peer threads default to --threads; OPENBLAS_NUM_THREADS is set to them before numpy loads.
"""
import argparse
import gzip
import os
import statistics
import subprocess
import sys
import time

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument('workload', choices=['gemm', 'fmnist'])
ap.add_argument('--n', type=int, default=1024, help='gemm: square size')
ap.add_argument('--precision', default='float32', choices=['float32', 'float64'], help='gemm: element type')
ap.add_argument('--hidden', type=int, default=128, help='fmnist: hidden layer size')
ap.add_argument('--batch', type=int, default=256, help='fmnist: batch size')
ap.add_argument('--threads', type=int, default=1, help='fcnn cpu threads')
ap.add_argument('--peer-threads', type=int, default=None, help='OpenBLAS / torch threads (default: --threads)')
ap.add_argument('--windows', type=int, default=30, help='pairs of windows')
ap.add_argument('--ms', type=int, default=None, help='window length (default: 300 gemm, 1000 fmnist)')
ap.add_argument('--jar', default='nn-examples/target/fcnn.jar')
ap.add_argument('--java', default='java')
ap.add_argument('--java-opt', action='append', default=[], help='a JVM option for fcnn, e.g. -Dfcnn.cpu.kc=256 (repeatable)')
ap.add_argument('--openblas-coretype', default=None,
                help='OpenBLAS kernels for the peer, e.g. Haswell (AVX2) beside --java-opt -XX:UseAVX=2 on AVX-512')
ap.add_argument('--data', default='/usr/share/datasets/fashion-mnist/')
args = ap.parse_args()
peer_threads = args.peer_threads or args.threads
ms = args.ms or (300 if args.workload == 'gemm' else 1000)
if args.windows < 1 or ms < 1 or args.threads < 1 or peer_threads < 1:
    sys.exit('paired.py: --windows, --ms and thread counts must be positive')
if not os.path.isfile(args.jar):
    sys.exit('paired.py: %s not found; build it first: mvn -B -q package -DskipTests -pl nn-examples -am' % args.jar)
os.environ['OPENBLAS_NUM_THREADS'] = str(peer_threads)
os.environ.pop('OPENBLAS_CORETYPE', None)
if args.openblas_coretype:
    os.environ['OPENBLAS_CORETYPE'] = args.openblas_coretype
os.environ.pop('OPENBLAS_L2_SIZE', None)

import numpy as np  # after OPENBLAS_NUM_THREADS, which OpenBLAS reads when it loads


def cpu_name():
    fields = {}
    for line in open('/proc/cpuinfo'):
        if ':' in line:
            k, v = (x.strip() for x in line.split(':', 1))
            fields.setdefault(k, v)
        if not line.strip():
            break
    flags = fields.get('flags', '').split()
    width = 'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else 'no AVX2'
    return '%s (family %s, model %s), %s' % (fields.get('model name', '?'), fields.get('cpu family', '?'),
                                             fields.get('model', '?'), width)


def peer_gemm():
    dtype = np.float32 if args.precision == 'float32' else np.float64
    rng = np.random.default_rng(0)
    a = rng.standard_normal((args.n, args.n)).astype(dtype)
    b = rng.standard_normal((args.n, args.n)).astype(dtype)
    c = np.empty((args.n, args.n), dtype)
    flop = 2.0 * args.n ** 3

    def window(seconds):
        t0 = time.perf_counter()
        count = 0
        while True:
            np.matmul(a, b, out=c)
            count += 1
            now = time.perf_counter()
            if now - t0 >= seconds:
                return flop * count / (now - t0) / 1e9
    return 'numpy %s matmul (OpenBLAS, %d thread(s))' % (np.__version__, peer_threads), 'GFLOP/s', window


def idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    nd = int.from_bytes(data[0:4], 'big') & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(nd)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def peer_fmnist():
    import torch
    import torch.nn as nn
    torch.set_num_threads(peer_threads)
    torch.manual_seed(0)
    x = torch.from_numpy(idx(args.data + 'train-images-idx3-ubyte.gz').reshape(-1, 784).astype(np.float32) / 255.0)
    y = torch.from_numpy(idx(args.data + 'train-labels-idx1-ubyte.gz').astype(np.int64))
    model = nn.Sequential(nn.Linear(784, args.hidden), nn.Sigmoid(), nn.Linear(args.hidden, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    lossf = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(0)
    n = x.shape[0]
    state = {'perm': None, 'next': n}

    def window(seconds):
        t0 = time.perf_counter()
        samples = 0
        while True:
            if state['next'] + args.batch > n:  # a new epoch; the last partial batch is left out, as in fcnn's windows
                state['perm'] = torch.randperm(n, generator=g)
                state['next'] = 0
            bi = state['perm'][state['next']:state['next'] + args.batch]
            state['next'] += args.batch
            xb, yb = x[bi], y[bi]
            opt.zero_grad()
            loss = lossf(model(xb), yb)
            loss.backward()
            opt.step()
            loss.item()
            samples += args.batch
            now = time.perf_counter()
            if now - t0 >= seconds:
                return samples / (now - t0)
    return 'torch %s (%d thread(s))' % (torch.__version__, torch.get_num_threads()), 'samples/s', window


def quartiles(v):
    s = sorted(v)
    return s[len(s) // 4], statistics.median(s), s[(3 * len(s)) // 4]


def main():
    if args.workload == 'gemm':
        cmd = ['--gemm', str(args.n), '--precision', args.precision]
        peer_name, unit, peer = peer_gemm()
    else:
        cmd = ['--fmnist', '--hidden', str(args.hidden), '--batch', str(args.batch), '--data', args.data]
        peer_name, unit, peer = peer_fmnist()
    java = [args.java] + args.java_opt + ['--add-modules', 'jdk.incubator.vector', '-jar', args.jar, 'bench', '--threads',
            str(args.threads), '--paired'] + cmd
    print('# %s' % cpu_name())
    print('# fcnn: %s' % ' '.join(java))
    print('# peer: %s; %d pairs of %d ms windows, order alternating (fcnn first in even pairs)' % (
        peer_name + (', OPENBLAS_CORETYPE=' + args.openblas_coretype if args.openblas_coretype else ''),
        args.windows, ms))
    proc = subprocess.Popen(java, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    for line in proc.stdout:  # its log lines, then READY after its warm-up
        line = line.rstrip()
        if line == 'READY':
            break
        print('# ' + line)
    else:
        sys.exit('paired.py: fcnn ended before READY (exit %s)' % proc.wait())
    t_end = time.perf_counter() + 5  # the peer's warm-up: 5 s of windows
    while time.perf_counter() < t_end:
        peer(ms / 1000.0)

    def fcnn():
        proc.stdin.write('%d\n' % ms)
        proc.stdin.flush()
        reply = proc.stdout.readline().split()
        if len(reply) < 2 or reply[0] != 'WINDOW':
            sys.exit('paired.py: unexpected reply from fcnn: %r' % reply)
        return float(reply[1])

    ours, theirs = [], []
    for i in range(args.windows):
        if i % 2 == 0:
            f = fcnn()
            p = peer(ms / 1000.0)
        else:
            p = peer(ms / 1000.0)
            f = fcnn()
        ours.append(f)
        theirs.append(p)
        print('pair %2d: fcnn %10.1f  peer %10.1f  ratio %.3f' % (i + 1, f, p, f / p), flush=True)
    proc.stdin.close()
    proc.wait()
    ratios = [f / p for f, p in zip(ours, theirs)]
    fq, pq, rq = quartiles(ours), quartiles(theirs), quartiles(ratios)
    print('RESULT paired %s: fcnn %.1f %s (quartiles %.1f-%.1f), peer %.1f (%.1f-%.1f); fcnn/peer per pair: '
          'median %.3f (quartiles %.3f-%.3f), %d pairs of %d ms; cpu="%s"' % (
              ' '.join(cmd[:5]) if args.workload == 'gemm' else 'fmnist 784-%d-10 batch %d' % (args.hidden, args.batch),
              fq[1], unit, fq[0], fq[2], pq[1], pq[0], pq[2], rq[1], rq[0], rq[2], args.windows, ms, cpu_name()))
    print('# fcnn threads %d, peer threads %d' % (args.threads, peer_threads))


main()

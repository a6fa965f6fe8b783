"""The lxml (libxml2) side of benches/c14n.rs: parse + exclusive c14n, timed here.

Started by the Rust bench with the input files as arguments; then reads one
request a line on stdin, "INDEX ITERATIONS", runs parse + exclusive c14n of
input INDEX that many times and answers with the nanoseconds per iteration.
The first answer for each input is its canonical form's length and SHA-256, so
the bench can check that both sides produce the same bytes.

Run by hand: interop/.venv/bin/python benches/lxml_c14n.py FILE... (lxml comes
from interop/requirements.txt, installed by interop/run.sh).
"""

import hashlib
import sys
import time

from lxml import etree


def c14n(data: bytes) -> bytes:
    return etree.tostring(
        etree.fromstring(data), method="c14n", exclusive=True, with_comments=False
    )


def main() -> None:
    inputs = []
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            inputs.append(f.read())
    for data in inputs:
        out = c14n(data)
        print(len(out), hashlib.sha256(out).hexdigest(), flush=True)
    for line in sys.stdin:
        index, iterations = (int(x) for x in line.split())
        data = inputs[index]
        start = time.perf_counter_ns()
        for _ in range(iterations):
            c14n(data)
        elapsed = time.perf_counter_ns() - start
        print(elapsed / iterations, flush=True)


if __name__ == "__main__":
    main()

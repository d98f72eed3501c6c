"""`python -m bench`: run the benchmarks (see bench/README.md)."""

from __future__ import annotations

import sys

from bench.runner import main

if __name__ == "__main__":
    sys.exit(main())

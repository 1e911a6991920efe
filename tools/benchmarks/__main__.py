"""``python -m benchmarks`` (what tools/bench runs, with tools/ on the path)."""
import sys

from benchmarks.runner import main

sys.exit(main())

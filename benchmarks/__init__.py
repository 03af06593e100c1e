"""Speed and quality benchmarks against the offline replica; run benchmarks/bench.py."""

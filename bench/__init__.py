"""Benchmarks of the chengxin platform: each figure beside a baseline measured in the same run.

Run `python -m bench` (or `./run bench`) from the project root; see bench/README.md.
"""

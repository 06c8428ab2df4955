"""Benchmarks (not tests): a data generator and timed scenarios against a separate database."""

"""Synthetic annual reports with their ground truth, in every format: for tests and the benchmark."""

"""Fault and fuzz tests: crashes, outages, hostile input, races."""

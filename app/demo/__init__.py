"""The Sumatera Selatan Pilkada 2024 demo: real regions, candidates and kecamatan totals,
synthetic (seeded) TPS results that sum to them, and a documented set of planted problems."""

"""rekap-audit: verification of Indonesian election vote recapitulation."""

__version__ = "0.1.0"

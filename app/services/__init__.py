"""Use cases: convert rows to domain values and back, flush (never commit), raise AppError."""

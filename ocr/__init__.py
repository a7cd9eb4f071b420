"""Reading C.Hasil photos: a standalone library (never imports app)."""

"""Training code for the OCR models (a dev-only package: torch and onnx are the `train` extra)."""

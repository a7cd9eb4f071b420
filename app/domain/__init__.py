"""Pure election rules and values: no framework, no database, no OCR imports."""

"""Reading C.Hasil photos: a standalone library (never imports app).

Public API::

    from ocr import read_page, read_pages, combine_pages, annotate_page
    reading = read_page(jpeg_bytes, form="ppwp-plano-2024", page=2)   # a PageReading
    reading.status        # "read", "needs_review" (a field unread or below the line),
                          # "unreadable", "not_cform", "markers_not_found", "wrong_page"
    reading.to_dict()     # {status, reason, form, page, fields: {name: {value, confidence,
                          #   alternatives, boxes, ...}}, checks: [...], registration}

Templates (forms as data) are in ``ocr/templates/*.json``, loaded by ``ocr.templates``.
"""

from ocr.annotate import annotate_page, encode_png
from ocr.pipeline import DigitClassifier, combine_pages, read_page, read_pages
from ocr.reading import FieldReading, PageReading, SumCheck
from ocr.templates import FormTemplate, PageTemplate, load_form, load_forms

__all__ = [
    "DigitClassifier",
    "FieldReading",
    "FormTemplate",
    "PageReading",
    "PageTemplate",
    "SumCheck",
    "annotate_page",
    "combine_pages",
    "encode_png",
    "load_form",
    "load_forms",
    "read_page",
    "read_pages",
]

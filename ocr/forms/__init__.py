"""Our own KWK plano form family: its layout generated as template data (kwk, kwk_layout) and
drawn as printable pages (render). A tool beside the reader: ocr's reading never imports it."""

"""The nightly HTML report: one self-contained file of inline SVG charts, readable offline."""

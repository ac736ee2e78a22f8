"""The Excel add-in: cell functions (`functions`), buttons (`scripts`), xlwings Server app (`server`), Simulateur.

Thin adapters over `fitn_xl.core`: they parse Excel values with `fitn_xl.values` and call the rules; no rule is
written twice. Importing this package does not import xlwings (only `functions` and `scripts` do).
"""

"""The Excel add-in: buttons (`scripts`, on the jobs of `fitn_xl.app`), the open workbook as a registry (`bookio`),
the xlwings Server app (`server`, `remote`, `fastcall`, `auth`, `downloads`). The cell functions it serves are
`fitn_xl.formulas`; the Simulateur sheet is built by `fitn_xl.book.simulator`.

Importing this package does not import xlwings (only `scripts` and the server's modules do).
"""

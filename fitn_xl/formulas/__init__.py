"""The FITN cell functions (`functions`: xlwings UDFs for classic xlwings and Office.js), thin adapters over
`fitn_xl.core` that read Excel ranges (`ranges`) with `fitn_xl.values`; no rule is written twice."""

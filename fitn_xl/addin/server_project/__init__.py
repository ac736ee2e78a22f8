"""The xlwings Server project of `fitn-xl serve` (XLWINGS_PROJECT_DIR): functions, scripts, task pane, auth."""

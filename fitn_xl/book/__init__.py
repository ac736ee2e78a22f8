"""The registry workbook as a feature: its sheets assembled (`build`), what Recalculer writes into it (`computed`,
`dashboard`), the Simulateur sheet (`simulator`)."""

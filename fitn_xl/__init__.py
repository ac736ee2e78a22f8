"""fitn-xl: registre Excel du guichet territorial FITN7 axe 3."""

__version__ = "0.1.0"

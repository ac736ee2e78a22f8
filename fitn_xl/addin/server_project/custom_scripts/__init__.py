"""Scripts (buttons) of the add-in: an explicit list, re-exported from `fitn_xl.addin.remote`."""

from fitn_xl.addin.remote import (  # noqa: F401
    generer_conventions,
    generer_courriers,
    preparer_liste_ditp,
    recalculer,
)

"""Custom functions of the add-in (namespace FITN): an explicit list, re-exported from `fitn_xl.formulas.functions`."""

from fitn_xl.formulas.functions import (  # noqa: F401
    fitn_cout_eligible,
    fitn_depenses_exclues,
    fitn_eligible,
    fitn_forfait,
    fitn_montant_propose,
    fitn_motifs,
    fitn_note,
    fitn_part_hors_ue,
)

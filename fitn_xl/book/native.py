"""The rules of one case as spreadsheet formulas, for the « Simulateur » without the add-in (LibreOffice, Excel
without Python): forfait, eligibility, reasons, proposed amount, in functions Excel 2010 and LibreOffice both have.

The formulas are not a second copy of the rules' wording: every reason's text is the one `core.rules` writes, got
by running the rule on a case that fails only that criterion, with its dates and amounts replaced by the formula
pieces that write them (`_DATE`, `_AMOUNT`). The conditions follow `core.rules.ineligibility_reasons` clause by
clause, in its order; `tests/test_simulator_native.py` checks them against the rules in a real LibreOffice.
Without expense lines (the Simulateur has none), the eligible cost is the total cost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from .. import schema
from ..core.model import Application
from ..core.params import default_parameters
from ..core.rules import ineligibility_reasons
from ..core.text import day, eur


@dataclass(frozen=True)
class Case:
    """The cells of a case: mesure, type de candidat, population, financée par des collectivités, engagement,
    projet de transformation, date de fin, coût global, financement demandé, part collectivités; and the two
    parameter tables, the type list."""

    measure: str
    applicant_type: str
    population: str
    funded: str
    commitment: str
    transformation: str
    end: str
    cost: str
    requested: str
    share: str
    forfaits: str = "Forfaits"
    parametres: str = "Parametres"
    types: str = "Liste_Types"


def _text(value: str) -> str:
    """A formula string literal."""
    return '"' + value.replace('"', '""') + '"'


def _date(ref: str) -> str:
    """The text of `core.text.day` (« 15/03/2023 ») for a date cell, whatever the locale."""
    return f'TEXT(DAY({ref}),"00")&"/"&TEXT(MONTH({ref}),"00")&"/"&YEAR({ref})'


def _amount(ref: str) -> str:
    """The figures of `core.text.eur` (« 8 000 », « 8 000,50 »), grouped and with the decimal sign of the
    spreadsheet's locale."""
    return f"FIXED({ref},IF({ref}=INT({ref}),0,2))"


def _pieces(message: str, values: dict[str, str]) -> str:
    """`message` as a formula: the text around each sample in `values` (sample text -> formula) as literals."""
    out: list[str] = []
    rest = message
    while rest:
        found = [(rest.find(sample), sample) for sample in values if sample in rest]
        if not found:
            out.append(_text(rest))
            break
        at, sample = min(found)
        if at:
            out.append(_text(rest[:at]))
        out.append(values[sample])
        rest = rest[at + len(sample):]
    return "&".join(out)


_DEADLINE_SAMPLE = date(2088, 7, 6)
_END_SAMPLE = date(2099, 11, 22)
_COST_SAMPLE, _REQUESTED_SAMPLE = Decimal("123457"), Decimal("234568")
_BASE = Application(
    dossier_id="", measure="3a", applicant_type="Commune", decision_commitment=True, digital_transformation=True,
    planned_end=date(2080, 1, 1), total_cost=Decimal(1000), requested=Decimal(500))
_PARAMS = replace(default_parameters(), results_deadline=_DEADLINE_SAMPLE)


def _reason(**changes) -> str:
    """The one reason `core.rules` gives for the sample case changed by `changes`."""
    (reason,) = ineligibility_reasons(replace(_BASE, **changes), _PARAMS)
    return reason


def _figures(amount: Decimal) -> str:
    """The figures of `eur(amount)`, without the unit that follows them."""
    text = eur(amount)
    return text[: max(i for i, ch in enumerate(text) if ch.isdigit()) + 1]


def deadline(case: Case) -> str:
    label = next(r.label for r in schema.PARAMETER_ROWS if r.attr == "results_deadline")
    return f"INDEX({case.parametres}[Valeur],MATCH({_text(label)},{case.parametres}[Paramètre],0))"


def reasons(case: Case) -> list[tuple[str, str]]:
    """(condition, reason) formula pairs, in the order of `core.rules.ineligibility_reasons`."""
    t, m, f = case.applicant_type, case.measure, case.funded
    pm, sp, yes = _text(schema.PERSONNE_MORALE), _text(schema.STRUCTURE_PILOTE), _text(schema.YES)
    unknown = "«X»"
    type_unknown = _pieces(_reason(applicant_type=unknown), {unknown: t})
    late = _pieces(_reason(planned_end=_END_SAMPLE), {day(_END_SAMPLE): _date(case.end),
                                                      day(_DEADLINE_SAMPLE): _date(deadline(case))})
    too_much = _pieces(_reason(total_cost=_COST_SAMPLE, requested=_REQUESTED_SAMPLE),
                       {_figures(_REQUESTED_SAMPLE): _amount(case.requested),
                        _figures(_COST_SAMPLE): _amount(case.cost)})
    c, r, e, n, d = case.cost, case.requested, case.commitment, case.transformation, case.end
    return [
        (f'{t}=""', _text(_reason(applicant_type=""))),
        (f'AND({t}<>"",SUMPRODUCT(--EXACT({case.types},{t}))=0)', type_unknown),
        (f'AND(EXACT({t},{pm}),{f}="")', _text(_reason(applicant_type=schema.PERSONNE_MORALE))),
        (f'AND(EXACT({t},{pm}),{f}<>"",{f}<>{yes})',
         _text(_reason(applicant_type=schema.PERSONNE_MORALE, funded_by_authorities_only=False))),
        (f'AND(EXACT({t},{sp}),{m}<>"3d")', _text(_reason(applicant_type=schema.STRUCTURE_PILOTE))),
        (f'{e}=""', _text(_reason(decision_commitment=None))),
        (f'AND({e}<>"",{e}<>{yes})', _text(_reason(decision_commitment=False))),
        (f'{n}=""', _text(_reason(digital_transformation=None))),
        (f'AND({n}<>"",{n}<>{yes})', _text(_reason(digital_transformation=False))),
        (f'{d}=""', _text(_reason(planned_end=None))),
        (f'AND({d}<>"",{d}>{deadline(case)})', late),
        (f'OR({r}="",{r}<=0)', _text(_reason(requested=None))),
        (f'OR({c}="",{c}<=0)', _text(_reason(total_cost=None))),
        (f'AND({r}<>"",{c}<>"",{c}>0,{c}<{r})', too_much),
    ]


def eligible(case: Case) -> str:
    """« Oui » or « Non » (formula without its `=`)."""
    return f"IF(OR({','.join(cond for cond, _ in reasons(case))}),{_text(schema.NO)},{_text(schema.YES)})"


def motifs(case: Case) -> str:
    """The reasons, one a line, '' when eligible."""
    lines = "&".join(f'IF({cond},CHAR(10)&{text},"")' for cond, text in reasons(case))
    return f"MID({lines},2,4000)"


def forfait(case: Case) -> str:
    """The first row of « Forfaits » for the measure, the type and the population (bounds inclusive; a row with
    bounds needs a population), as `core.rules.forfait`; '' when none."""
    fo, p = case.forfaits, case.population
    low, high = f"{fo}[Population min]", f"{fo}[Population max]"
    bounds_ok = (f'(({low}="")*({high}=""))+({p}<>"")*((({low}="")+({low}<={p}))>0)*((({high}="")+({high}>={p}))>0)')
    match = (f"(EXACT({fo}[Mesure],{case.measure}))*(EXACT({fo}[Type de candidat],{case.applicant_type}))"
             f"*(({bounds_ok})>0)")
    return f'IFERROR(INDEX({fo}[Montant (€)],MATCH(1,INDEX({match},0),0)),"")'


def proposed(case: Case, forfait_cell: str, eligible_cell: str) -> str:
    """0 when not eligible; else the least of the forfait (else the request), the request, the eligible cost and,
    in 3d, the collectivités' share: `core.rules.proposed_amount` without expense lines."""
    r, c, s, m = case.requested, case.cost, case.share, case.measure
    return (f'IF(OR({eligible_cell}<>{_text(schema.YES)},{r}=""),0,ROUND(MAX(0,MIN({r},IF({c}="",0,{c}),'
            f'IF({forfait_cell}="",{r},{forfait_cell}),IF(AND({m}="3d",{s}<>""),{s},{r}))),2))')

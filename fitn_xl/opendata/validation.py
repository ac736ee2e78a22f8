"""Validating the SCDL « subventions » CSV against the official schema, offline, before it is written.

The schema (`scdl-subventions-2.1.1-schema.json`, shipped in this package) is applied by frictionless: types, required
fields, patterns, lengths, enumerations, bounds. Its `custom_checks` (checks of the validata tool, which frictionless
does not know) are run as frictionless checks built from the schema's own list: `french-siret-value` (the SIRET's
Luhn key, as python-stdnum checks it, La Poste's SIRET included) and `one-of-required` (idBeneficiaire or
rnaBeneficiaire). Every problem comes back in French, naming the dossier and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import attrs
from frictionless import Check, Checklist, Resource, Schema, errors
from stdnum.fr import siret as stdnum_siret

from .scdl import schema_descriptor


class FrenchSiretError(errors.CellError):
    type = "french-siret-value"
    title = "SIRET invalide"
    description = "Le SIRET n'a pas 14 chiffres ou sa clé est fausse."
    template = "{note}"


class OneOfRequiredError(errors.RowError):
    type = "one-of-required"
    title = "Un des deux champs obligatoire"
    description = "Au moins un des deux champs doit être renseigné."
    template = "{note}"


@attrs.define(kw_only=True, repr=False)
class french_siret_value(Check):  # noqa: N801 — frictionless names checks by their type, in snake case
    """validata's `french-siret-value`: a filled cell is a SIRET whose key is valid."""

    type = "french-siret-value"
    Errors = [FrenchSiretError]
    column: str

    def validate_row(self, row):
        value = row[self.column]
        if value not in (None, "") and not stdnum_siret.is_valid(str(value)):
            yield FrenchSiretError.from_row(row, note="clé", field_name=self.column)


@attrs.define(kw_only=True, repr=False)
class one_of_required(Check):  # noqa: N801
    """validata's `one-of-required`: `column1` or `column2` is filled."""

    type = "one-of-required"
    Errors = [OneOfRequiredError]
    column1: str
    column2: str

    def validate_row(self, row):
        if all(row[c] in (None, "") for c in (self.column1, self.column2)):
            yield OneOfRequiredError.from_row(row, note=f"{self.column1}|{self.column2}")


CUSTOM_CHECKS = {"french-siret-value": french_siret_value, "one-of-required": one_of_required}


def custom_checks(descriptor: dict) -> list[Check]:
    """The schema's `custom_checks` as frictionless checks. An unknown one is an error of the package, not the
    user's: it raises."""
    out = []
    for spec in descriptor.get("custom_checks", ()):
        out.append(CUSTOM_CHECKS[spec["name"]](**spec.get("params", {})))
    return out


@dataclass(frozen=True)
class Problem:
    """One problem of the file: the data row (1 = first line after the header; None for the whole file), the SCDL
    field (None for a row), the value and a French `message` (without the dossier: the caller knows it)."""

    row: int | None
    field: str | None
    value: str
    message: str
    kind: str  # frictionless error type


_CONSTRAINT = re.compile(r'constraint "(\w+)" is "(.*)"', re.S)
_TYPES = {"date": "une date au format AAAA-MM-JJ", "number": "un nombre (point décimal)",
          "boolean": "« oui » ou « non »", "integer": "un nombre entier"}
_PATTERNS = {
    "idAttribuant": "un SIRET de 14 chiffres",
    "idBeneficiaire": "un SIRET de 14 chiffres",
    "rnaBeneficiaire": "W suivi de 9 chiffres",
    "datesPeriodeVersement": "AAAA-MM-JJ ou AAAA-MM-JJ/AAAA-MM-JJ",
}


def _field_types(descriptor: dict) -> dict[str, str]:
    return {f["name"]: f.get("type", "string") for f in descriptor["fields"]}


def french_message(error, types: dict[str, str]) -> str:
    """A frictionless error (or one of the custom checks') in French."""
    kind = error.type
    cell = str(getattr(error, "cell", "") or "")
    name = getattr(error, "field_name", None)
    if kind == "french-siret-value":
        return f"« {cell} » n'est pas un SIRET valide (14 chiffres dont la clé de contrôle)"
    if kind == "one-of-required":
        first, second = error.note.split("|")
        return f"« {first} » ou « {second} » doit être renseigné (SIRET ou numéro RNA du bénéficiaire)"
    if kind == "type-error":
        return f"« {cell} » n'est pas {_TYPES.get(types.get(name, ''), 'une valeur du type attendu')}"
    if kind == "constraint-error":
        m = _CONSTRAINT.search(error.note or "")
        constraint, value = (m.group(1), m.group(2)) if m else ("", "")
        if constraint == "required":
            return "valeur obligatoire manquante"
        if constraint == "pattern":
            return f"« {cell} » n'a pas la forme attendue ({_PATTERNS.get(name, value)})"
        if constraint == "maxLength":
            return f"{len(cell)} caractères, {value} au plus"
        if constraint == "minLength":
            return f"{len(cell)} caractères, {value} au moins"
        if constraint == "enum":
            allowed = re.findall(r"'([^']*)'", value)
            return f"« {cell} » n'est pas une valeur admise ({', '.join(f'« {a} »' for a in allowed)})"
        if constraint == "minimum":
            return f"« {cell} » est inférieur au minimum ({value})"
        if constraint == "maximum":
            return f"« {cell} » est supérieur au maximum ({value})"
        return f"« {cell} » ne respecte pas la contrainte « {constraint} » du schéma"
    if kind in ("missing-cell", "extra-cell"):
        return "nombre de colonnes incorrect sur cette ligne"
    if kind.endswith("-label") or kind.startswith("header") or kind in ("blank-label", "duplicate-label"):
        return f"en-tête de colonne non conforme au schéma ({cell or name or kind})"
    return f"non conforme au schéma ({kind})"


def validate_csv(data: bytes) -> list[Problem]:
    """Every problem of the SCDL CSV `data` (UTF-8) against the shipped schema and its custom checks; [] when it is
    valid. Works offline."""
    descriptor = schema_descriptor()
    schema = Schema.from_descriptor({k: v for k, v in descriptor.items() if k != "custom_checks"})
    resource = Resource(data=data, format="csv", encoding="utf-8", schema=schema)
    report = resource.validate(Checklist(checks=custom_checks(descriptor)))
    types = _field_types(descriptor)
    problems = []
    for task in report.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            problems.append(Problem(row - 1 if row else None, getattr(error, "field_name", None),
                                    str(getattr(error, "cell", "") or ""), french_message(error, types), error.type))
    if not report.tasks and report.errors:  # the resource itself could not be read
        problems += [Problem(None, None, "", f"fichier illisible ({e.type})", e.type) for e in report.errors]
    return problems


def is_valid(problems: Iterable[Problem]) -> bool:
    return not any(True for _ in problems)


__all__ = ["CUSTOM_CHECKS", "Problem", "custom_checks", "french_message", "is_valid", "validate_csv"]

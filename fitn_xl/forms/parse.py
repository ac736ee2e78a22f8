"""A filled form's content controls -> typed registry values, with French messages naming file and field."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..core import rules
from ..values import CellError, fold, parse_cell, quote
from . import fields as f
from .docx_in import CHECKED_MARKS, Control, FormError, read_controls


@dataclass
class ParsedForm:
    """One form as read. `application`, `expenses` and `providers` hold typed values keyed by schema attribute."""

    path: Path
    annex: str = ""
    application: dict[str, object] = field(default_factory=dict)
    expenses: list[dict[str, object]] = field(default_factory=list)
    providers: list[dict[str, object]] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)  # signed_on, signature
    errors: list[str] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def where(path: Path, label: str | None = None) -> str:
    head = f"Formulaire « {path.name} »"
    return f"{head}, champ « {label} »" if label else head


def _normal(value) -> str:
    return "" if value is None else str(value)


def fingerprint(annex: str, values: dict[str, object]) -> str:
    """SHA-256 of the normalized field values (typed values, so « 12 000 € » and « 12000 » agree)."""
    doc = {"formulaire": annex, "champs": {k: _normal(v) for k, v in sorted(values.items()) if _normal(v) != ""}}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


class _Reader:
    def __init__(self, path: Path, by_tag: dict[str, Control], out: ParsedForm):
        self.path, self.by_tag, self.out = path, by_tag, out
        self.typed: dict[str, object] = {}  # tag -> typed value, for the fingerprint

    def error(self, label: str, message: str):
        self.out.errors.append(f"{where(self.path, label)} : {message}")

    def raw(self, fl: f.Field) -> str | None:
        """The text typed in the control ('' when it still shows its placeholder), None when it is missing."""
        control = self.by_tag.get(fl.tag)
        if control is None:
            return None
        text = control.text.strip()
        if fl.placeholder and text == fl.placeholder.strip():
            return ""
        return text

    def value(self, fl: f.Field, label: str | None = None, required: bool | None = None):
        label = label or fl.label
        required = fl.required if required is None else required
        control = self.by_tag.get(fl.tag)
        if control is None:
            if required:
                self.error(label, "zone de saisie absente du formulaire (supprimée ?)")
            return None
        if fl.control == f.CHECKBOX:
            checked = control.checked if control.checked is not None else control.text.strip() in CHECKED_MARKS
            if required and not checked:
                self.error(label, "case non cochée : l'engagement du demandeur est obligatoire")
            self.typed[fl.tag] = checked
            return checked
        text = self.raw(fl)
        if text == "":
            if required:
                self.error(label, "valeur obligatoire manquante")
            return None
        if fl.control == f.DROPDOWN:
            text = self._choice(fl, text)
        column = replace(fl.column, required=False)
        try:
            typed = parse_cell(text, column)
        except CellError as exc:
            self.error(label, str(exc))
            return None
        if fl.control == f.MULTILINE:
            typed = "\n".join(line.rstrip() for line in str(typed).splitlines()).strip()
        self.typed[fl.tag] = typed
        return typed

    @staticmethod
    def _choice(fl: f.Field, text: str) -> str:
        key = fold(text)
        for value, shown in fl.choices:
            if key in (fold(shown), fold(value)):
                return value
        for value, _ in fl.choices:  # « 3a », « 3a - Accompagnement… » shortened by hand
            if key.startswith(fold(value) + " ") or key.startswith(fold(value) + "-"):
                return value
        return text


def _rows(reader: _Reader, make, n: int, title: str, required: tuple[str, ...]) -> list[dict[str, object]]:
    out = []
    for i in range(1, n + 1):
        line = make(i)
        if all(not reader.raw(fl) for fl in line):
            continue
        rec: dict[str, object] = {}
        for fl in line:
            rec[fl.attr] = reader.value(fl, f"{title}, ligne {i}, {fl.label}", required=fl.attr in required)
        if rules.missing_country(rec.get("category"), rec.get("publisher_country")):
            reader.error(f"{title}, ligne {i}, Pays de l'éditeur", rules.MISSING_COUNTRY)
        out.append(rec)
    return out


_KINDS = {f.TEXT: "text", f.MULTILINE: "text", f.DROPDOWN: "dropdown", f.DATE: "date", f.CHECKBOX: "checkbox"}


def _untagged(found: list[Control]) -> tuple[f.FormSpec | None, dict[str, Control], str]:
    """Fields recognized by position when the tags were dropped (LibreOffice up to 7.4 keeps the controls and
    their order but not their tags). Returns (spec, controls by tag, problem)."""
    untagged = [c for c in found if not c.tag]
    spec = next((s for c in untagged if (s := f.spec_for_id(c.text))), None)
    if spec is None:
        return None, {}, ""
    expected = spec.all_fields()
    if len(untagged) != len(expected) + 1 or any(
        _KINDS[fl.control] != c.kind for fl, c in zip(expected, untagged, strict=False)
    ):
        return spec, {}, ("les zones de saisie du formulaire ne sont plus reconnaissables (étiquettes supprimées par "
                          "le logiciel d'édition et zones ajoutées ou supprimées) ; faites remplir un formulaire "
                          "vierge produit par « fitn-xl forms »")
    return spec, {fl.tag: c for fl, c in zip(expected, untagged, strict=False)}, ""


def parse_form(path: str | Path) -> ParsedForm:
    """Read one filled form. Problems are collected in `.errors` (French); a file that is not a form gives a
    single error."""
    path = Path(path)
    out = ParsedForm(path)
    try:
        found = read_controls(path)
    except FormError as exc:
        out.errors.append(f"{where(path)} : {exc}")
        return out
    by_tag: dict[str, Control] = {}
    for c in found:
        if c.tag:
            by_tag.setdefault(c.tag, c)
    marker = by_tag.get(f.FORM_TAG)
    spec = f.spec_for_id(marker.text) if marker else None
    if marker is None:
        spec, by_tag, problem = _untagged(found)
        if problem:
            out.errors.append(f"{where(path)} : {problem}")
            return out
    if spec is None:
        known = " ou ".join(f.FORM_IDS.values())
        shown = f" (référence {quote(marker.text.strip())})" if marker else ""
        out.errors.append(f"{where(path)} : ce document n'est pas un formulaire de demande fitn-xl{shown} ; "
                          f"utilisez les formulaires produits par « fitn-xl forms » ({known})")
        return out
    out.annex = spec.annex
    reader = _Reader(path, by_tag, out)
    app: dict[str, object] = {}
    for fl in spec.applicant + spec.money + spec.complementary:
        app[fl.attr] = reader.value(fl)
    if spec.annex == "annexe1":
        for fl in spec.project:
            app[fl.attr] = reader.value(fl)
    else:
        app["measure"] = spec.fixed_measure
        parts = []
        for fl in spec.project:
            text = reader.value(fl)
            if text:
                parts.append(f"{fl.label} : {text}")
        app["description"] = "\n\n".join(parts)
    checkbox, signed_on, signature = spec.commitment
    app["decision_commitment"] = reader.value(checkbox)
    out.extra["signed_on"] = reader.value(signed_on)
    out.extra["signature"] = reader.value(signature) or ""
    out.application = app
    out.expenses = _rows(reader, f.expense_fields, f.N_EXPENSE_LINES, "Dépenses", ("label", "category", "amount"))
    out.providers = _rows(reader, f.provider_fields, f.N_PROVIDER_LINES, "Prestataires", ("name", "department"))
    out.fingerprint = fingerprint(spec.annex, reader.typed)
    return out

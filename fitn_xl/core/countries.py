"""Countries and territories (`countries.toml`): French names, ISO codes, and where each stands with the EU.

One list for the « Pays de l'éditeur » drop-down, the reading of a typed country and the « licences hors UE » rule.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

MEMBER, OUTERMOST, TERRITORY = "member", "outermost", "territory"  # `Country.eu`; "" = outside the EU


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2 (IC, EA: reserved by ISO for the Canaries, Ceuta and Melilla; XK: Kosovo)
    name: str  # French name, as the drop-down shows it
    eu: str = ""  # MEMBER, OUTERMOST, TERRITORY, or "" outside the European Union
    of: str = ""  # the member state an outermost region or EU territory belongs to

    @property
    def in_eu(self) -> bool:
        return bool(self.eu)


@cache
def _document() -> dict:
    return tomllib.loads(files(__package__).joinpath("countries.toml").read_text(encoding="utf-8"))


@cache
def countries() -> dict[str, Country]:
    """Code -> country or territory, in code order."""
    return {code: Country(code, c["name"], c.get("eu", ""), c.get("of", ""))
            for code, c in _document()["countries"].items()}


@cache
def regions() -> dict[str, str]:
    """Names of EU regions without a code of their own (Açores, Madère) -> their member state's code; they are
    offered by the drop-down beside the countries."""
    return dict(_document()["regions"])


@cache
def aliases() -> dict[str, str]:
    """Other names understood when typed (« USA », « Guyane française »…) -> code; not offered by the drop-down."""
    return dict(_document()["aliases"])


@cache
def eu_codes() -> frozenset[str]:
    """Codes whose territory is in the European Union: the 27 member states, their outermost regions and the other
    EU territories (Åland, Ceuta and Melilla)."""
    return frozenset(code for code, c in countries().items() if c.in_eu)


@cache
def member_states() -> frozenset[str]:
    """The 27 member states of the European Union."""
    return frozenset(code for code, c in countries().items() if c.eu == MEMBER)


def in_eu(code: str | None) -> bool:
    """Whether a publisher whose head office is in `code` is inside the EU (an empty or unknown code is not)."""
    return bool(code) and code.upper() in eu_codes()


__all__ = ["Country", "aliases", "countries", "eu_codes", "in_eu", "member_states", "regions"]

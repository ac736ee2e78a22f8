"""Access tokens of the add-in server: parsing the configured tokens, checking one (constant time)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ..files import os_reason

TOKENS_ENV = "FITN_XL_JETONS"  # "nom:jeton,nom:jeton"
TOKENS_FILE_ENV = "FITN_XL_JETONS_FICHIER"  # a file, one "nom:jeton" per line
MIN_TOKEN_LENGTH = 16


class TokenError(ValueError):
    """A token configuration that cannot be used (French message)."""


def parse_tokens(text: str, separator: str = "\n") -> dict[str, str]:
    """token -> user name, from « nom:jeton » entries (a bare « jeton » is named « agent »)."""
    out: dict[str, str] = {}
    for n, entry in enumerate(text.split(separator), start=1):
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        name, _, token = entry.rpartition(":")
        token = token.strip()
        if len(token) < MIN_TOKEN_LENGTH:
            raise TokenError(f"jeton n° {n} trop court : au moins {MIN_TOKEN_LENGTH} caractères "
                             "(ex. python -c \"import secrets; print(secrets.token_urlsafe(24))\")")
        out[token] = name.strip() or "agent"
    return out


def configured_tokens() -> dict[str, str]:
    """The tokens from FITN_XL_JETONS_FICHIER and FITN_XL_JETONS ({} when none is configured)."""
    tokens: dict[str, str] = {}
    path = os.environ.get(TOKENS_FILE_ENV)
    if path:
        try:
            tokens.update(parse_tokens(Path(path).read_text(encoding="utf-8")))
        except OSError as exc:
            raise TokenError(f"fichier de jetons « {path} » illisible : {os_reason(exc)}") from None
        except UnicodeDecodeError:
            raise TokenError(f"fichier de jetons « {path} » : il doit être enregistré en UTF-8") from None
    if os.environ.get(TOKENS_ENV):
        tokens.update(parse_tokens(os.environ[TOKENS_ENV], ","))
    return tokens


def user_for(token_string: str) -> str | None:
    """The user name of a valid token (the header may be « Bearer <jeton> »), else None."""
    token = token_string.strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    found = None
    for known, name in configured_tokens().items():
        if secrets.compare_digest(token.encode(), known.encode()):
            found = name
    return found


async def validate_token(token_string: str):
    """xlwings Server auth provider entry point: the `User` of a valid token, else HTTP 401."""
    from fastapi import HTTPException, status
    from xlwings_server.models import User

    name = user_for(token_string or "")
    if name is None:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED,
                            detail="Jeton d'accès absent ou invalide (fitn-xl serve).")
    return User(id=name, name=name)

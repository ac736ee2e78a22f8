"""Token authentication of `fitn-xl serve` (xlwings Server auth provider « fitn »).

Tokens come from the file named by FITN_XL_JETONS_FICHIER (one `nom:jeton` per line; `#` comments) or from
FITN_XL_JETONS (`nom:jeton,nom:jeton`). The client sends the token in the Authorization header (task pane: the
« Jeton d'accès » field; VBA: the `auth` argument of RunRemotePython).
"""

from fitn_xl.addin.auth import validate_token  # noqa: F401

"""`fitn-xl serve`: the Excel add-in server (xlwings Server), on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import sys

from ..app.result import EXIT_OK


def run(args) -> int:
    from ..addin.server import Config, ServeError, serve

    config = Config(host=args.host, port=args.port, certfile=args.certfile, keyfile=args.keyfile,
                    tokens_file=getattr(args, "jetons", None), downloads=getattr(args, "telechargements", None),
                    public_url=getattr(args, "url", None))
    try:
        serve(config, announce=lambda text: print(text, file=sys.stderr, flush=True))
    except ServeError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return exc.code
    return EXIT_OK

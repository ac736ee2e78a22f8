"""One module per `fitn-xl` subcommand, each with `run(args) -> int`."""

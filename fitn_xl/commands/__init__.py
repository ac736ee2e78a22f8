"""One module per `fitn-xl` subcommand, each with `run(args) -> int`."""

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2  # success; data errors blocking the job; bad usage (SPEC §4)

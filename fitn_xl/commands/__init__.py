"""One module per `fitn-xl` subcommand, each with `run(args) -> int`: it calls the job of `fitn_xl.app` and prints
its French report."""

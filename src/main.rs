use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // clap exits with 2 on bad arguments, as the exit-code contract wants.
    let cli = canopy::cli::Cli::parse();
    ExitCode::from(canopy::cli::run(cli))
}

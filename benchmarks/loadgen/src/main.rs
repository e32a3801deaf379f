//! `linli-loadgen <workload>`: runs one workload and prints its report (a table, or JSON with
//! `--json`). `benchmarks/compare.sh` runs every workload against every server.

use std::process::ExitCode;

use clap::Parser;
use linli_loadgen::Workload;

#[derive(Parser)]
#[command(
    name = "linli-loadgen",
    about = "Load generator for Linli's benchmarks"
)]
struct Cli {
    /// Print the report as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    workload: Workload,
}

/// One thread, as the load generator is pinned to one CPU in the benchmarks.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match linli_loadgen::run(&cli.workload).await {
        Ok(report) => {
            if cli.json {
                println!("{report}");
            } else {
                println!("{}", linli_loadgen::table(&report).trim_end());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if cli.json {
                println!(
                    "{}",
                    serde_json::json!({ "error": format!("load run failed: {e}") })
                );
            } else {
                eprintln!("error: load run failed: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

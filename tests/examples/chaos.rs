//! `scripts/chaos [ROUNDS] [SEED]`: the fault campaign of `idance_tests::chaos` over a
//! Garage started in `IDANCE_CHAOS_GARAGE` (the script starts and stops it). Prints the
//! seed (a failure replays with it), faults by kind, files, GiB, re-send overhead and
//! failures; exits 1 when anything was lost, corrupted, failed or sent twice.

use idance_tests::chaos::{Config, GarageDir, run};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let rounds = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let seed = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    let garage = std::env::var_os("IDANCE_CHAOS_GARAGE")
        .expect("IDANCE_CHAOS_GARAGE: a folder of scripts/garage-start");
    let max_mib = std::env::var("IDANCE_CHAOS_MAX_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    // The binary as built when the campaign started (scripts/chaos copies it), not one
    // rebuilt in the build folder meanwhile.
    let bin = match std::env::var_os("IDANCE_CHAOS_BIN") {
        Some(b) => b.into(),
        None => idance_tests::desktop::workspace_bin("idance-cli", "idance"),
    };
    println!("chaos: {rounds} rounds, seed {seed} (replay: scripts/chaos {rounds} {seed})");
    let report = run(Config {
        rounds,
        seed,
        max_mib,
        garage: GarageDir(garage.into()),
        bin,
    })
    .await;
    report.print();
    if !report.failures.is_empty() {
        std::process::exit(1);
    }
}

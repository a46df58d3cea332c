//! A short seeded run of the fault campaign (`scripts/chaos` runs it long): kills of
//! the client, the server and Garage, resets, stalls, silent blackouts, address changes
//! and pauses from another process;
//! nothing may be lost, corrupted, failed or sent twice.

use idance_tests::chaos::{Config, GarageDir, run};

#[tokio::test(flavor = "multi_thread")]
async fn a_short_fault_campaign_loses_nothing() {
    // Its own Garage: the campaign kills and restarts it.
    let dir = tempfile::tempdir().unwrap();
    let garage = dir.path().join("garage");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let ok = std::process::Command::new(root.join("scripts/garage-start"))
        .arg(&garage)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success(), "garage-start");
    let seed = std::env::var("IDANCE_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261201);
    let report = run(Config {
        rounds: 4,
        seed,
        max_mib: 12,
        garage: GarageDir(garage.clone()),
        bin: idance_tests::desktop::workspace_bin("idance-cli", "idance"),
    })
    .await;
    report.print();
    let _ = std::process::Command::new(root.join("scripts/garage-stop"))
        .arg(&garage)
        .status();
    assert!(report.files >= 4);
    assert!(
        report.faults.values().sum::<u32>() >= 8,
        "{:?}",
        report.faults
    );
    assert!(
        report.failures.is_empty(),
        "seed {seed}: {:#?}",
        report.failures
    );
}

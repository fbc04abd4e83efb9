use std::path::Path;

/// Every scenario in `scenarios/` passes: for each seed policy, what the worklist says on the
/// scripted dates.
#[test]
fn seed_policy_scenarios() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut failures = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let report =
            rollcall_files::scenario::run_scenario(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(report.checked > 0, "{} checks nothing", path.display());
        failures.extend(report.failures);
        files += 1;
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert_eq!(files, 5, "a scenario file for each seed policy");
}

use std::path::Path;

/// Every seed school's policy reads, and its 2025/26 calendar gives the 190 days (380 sessions)
/// schools must meet (statutory.md §5).
#[test]
fn seed_policies_read_and_give_190_days() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let policy = rollcall_files::read_policy(&path).unwrap_or_else(|e| panic!("{e}"));
        let span = policy.calendar.span().unwrap();
        assert_eq!(
            policy.calendar.school_days_in(span),
            190,
            "{}",
            path.display()
        );
        assert!(policy.am.late_window().as_mins() <= 30);
        seen += 1;
    }
    assert_eq!(seen, 5);
}

/// Seed 002 (Beecroft): late after 8.40, U after 9.10.
#[test]
fn beecroft_times() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/002-beecroft-primary.toml");
    let policy = rollcall_files::read_policy(&path).unwrap();
    let t = |h, m| jiff::civil::time(h, m, 0, 0);
    use rollcall_core::Arrival;
    assert_eq!(policy.am.arrival(t(8, 39)), Arrival::OnTime);
    assert_eq!(policy.am.arrival(t(8, 50)), Arrival::Late(10));
    assert_eq!(
        policy.am.arrival(t(9, 11)),
        Arrival::AfterRegisterClosed(31)
    );
    assert_eq!(
        policy.pm.arrival(t(13, 50)),
        Arrival::AfterRegisterClosed(35)
    );
}

use super::*;

fn policy(allow: &[&str], deny: &[&str]) -> ScopePolicy {
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    ScopePolicy::parse(&own(allow), &own(deny)).expect("valid policy")
}

fn target(s: &str) -> Target {
    s.parse().expect("target")
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

#[test]
fn deny_wins_over_allow() {
    let p = policy(&["10.0.0.0/8"], &["10.1.0.0/16"]);
    assert_eq!(p.check_target(&target("10.2.3.4")), Ok(()));
    assert_eq!(
        p.check_target(&target("10.1.2.3")),
        Err(ScopeRule::Denied("10.1.0.0/16".parse().expect("entry")))
    );
    // A block that only touches the denied one is refused too.
    assert!(matches!(
        p.check_target(&target("10.0.0.0/8")),
        Err(ScopeRule::Denied(_))
    ));
    assert_eq!(
        p.check_target(&target("192.168.1.1")),
        Err(ScopeRule::NotAllowed)
    );
}

#[test]
fn blocks_and_ranges_must_be_covered_whole() {
    let p = policy(&["10.0.0.0/25", "10.0.0.128-10.0.0.200"], &[]);
    assert_eq!(p.check_target(&target("10.0.0.0/25")), Ok(()));
    assert_eq!(
        p.check_target(&target("10.0.0.100-150")),
        Ok(()),
        "adjacent entries"
    );
    assert_eq!(
        p.check_target(&target("10.0.0.0/24")),
        Err(ScopeRule::NotAllowed),
        "201-255 is outside"
    );
    assert_eq!(
        p.check_target(&target("10.0.0.250")),
        Err(ScopeRule::NotAllowed)
    );
    assert_eq!(p.check_target(&target("::1")), Err(ScopeRule::NotAllowed));
}

#[test]
fn hostnames_by_pattern_then_by_address() {
    let names = policy(&["*.corp.example"], &["db.corp.example"]);
    assert_eq!(names.check_target(&target("web.corp.example")), Ok(()));
    assert_eq!(
        names.check_target(&target("db.corp.example")),
        Err(ScopeRule::Denied("db.corp.example".parse().expect("entry")))
    );
    assert_eq!(
        names.check_target(&target("evil.example")),
        Err(ScopeRule::NotAllowed)
    );
    // Names only: any address passes unless denied.
    assert_eq!(names.check_address(ip("203.0.113.9")), Ok(()));
    let mixed = policy(&["*.corp.example", "10.0.0.0/8"], &["10.9.0.0/16"]);
    // Names must match an allowed pattern; their addresses are checked when they run.
    assert_eq!(
        mixed.check_target(&target("other.example")),
        Err(ScopeRule::NotAllowed)
    );
    let addresses = policy(&["10.0.0.0/8"], &[]);
    assert_eq!(addresses.check_target(&target("other.example")), Ok(()));
    assert_eq!(mixed.check_address(ip("10.1.1.1")), Ok(()));
    assert_eq!(
        mixed.check_address(ip("203.0.113.9")),
        Err(ScopeRule::NotAllowed)
    );
    assert!(matches!(
        mixed.check_address(ip("10.9.0.1")),
        Err(ScopeRule::Denied(_))
    ));
}

#[test]
fn an_empty_policy_allows_everything() {
    let p = ScopePolicy::default();
    assert_eq!(p.check_target(&target("8.8.8.8")), Ok(()));
    assert_eq!(p.check_target(&target("anything.example")), Ok(()));
    assert_eq!(p.check_address(ip("::1")), Ok(()));
}

#[test]
fn malformed_and_overlapping_entries_are_typed_errors_naming_the_field() {
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let err = ScopePolicy::parse(&own(&["10.0.0.0/8", "nonsense!"]), &[]).expect_err("bad");
    assert_eq!(err.field(), "scope.allow[1]");
    let err = ScopePolicy::parse(&[], &own(&["10.0.0.0/8", "10.1.0.0/16"])).expect_err("overlap");
    assert!(matches!(
        err,
        ScopeError::Overlap {
            list: ScopeList::Deny,
            ..
        }
    ));
    assert_eq!(err.field(), "scope.deny");
    let core: Error = err.into();
    assert_eq!(core.kind(), crate::ErrorKind::InvalidInput);
    assert!(core.to_string().contains("scope.deny"), "{core}");
    // Allow and deny may overlap.
    assert!(ScopePolicy::parse(&own(&["10.0.0.0/8"]), &own(&["10.1.0.0/16"])).is_ok());
}

#[test]
fn json_is_lists_of_entry_texts() {
    let p = policy(&["10.0.0.0/8", "*.corp.example"], &["10.0.0.1-10.0.0.9"]);
    let v = serde_json::to_value(&p).expect("json");
    assert_eq!(
        v,
        serde_json::json!({"allow": ["10.0.0.0/8", "*.corp.example"], "deny": ["10.0.0.1-10.0.0.9"]})
    );
    let back: ScopePolicy = serde_json::from_value(v).expect("back");
    assert_eq!(back, p);
    assert!(serde_json::from_str::<ScopePolicy>(r#"{"allow":["x!"]}"#).is_err());
}

#[test]
fn a_list_at_the_entry_limit_is_read_and_one_entry_more_is_refused_naming_the_list() {
    assert_eq!(MAX_SCOPE_ENTRIES, 4096);
    let addresses = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| format!("10.{}.{}.1", i / 256, i % 256))
            .collect()
    };
    let full = ScopePolicy::parse(&addresses(MAX_SCOPE_ENTRIES), &[]).expect("at the limit");
    assert_eq!(full.allow.len(), MAX_SCOPE_ENTRIES);
    let err = ScopePolicy::parse(&[], &addresses(MAX_SCOPE_ENTRIES + 1)).expect_err("past it");
    assert_eq!(err.field(), "scope.deny");
    assert_eq!(
        err.to_string(),
        "4097 entries, more than the 4096 a list may hold"
    );
    let mut grown = full;
    grown.allow.push("192.168.0.1".parse().expect("entry"));
    assert!(matches!(
        grown.check(),
        Err(ScopeError::TooMany {
            list: ScopeList::Allow,
            ..
        })
    ));
}

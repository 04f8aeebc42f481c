//! API keys: formats, one per account, primary user only, hashed storage, uniform auth failures.

use std::collections::BTreeMap;

use casiscan_core::export::fetch_scan_logs;
use casiscan_core::keys::{
    KeyError, KeyRing, access_key_well_formed, ct_eq, secret_key_well_formed,
};

fn ring() -> KeyRing {
    let r = KeyRing::new();
    r.set_primary_user("acme", "alice");
    r
}

#[test]
fn formats_entropy_and_checksum() {
    let r = ring();
    let k = r.create("acme", "alice", "siem").expect("create");
    assert!(k.access_key.starts_with("CSAK") && k.access_key.len() == 24);
    assert!(k.secret_key.starts_with("cssk_") && k.secret_key.len() == 5 + 43 + 6);
    assert!(access_key_well_formed(&k.access_key));
    assert!(secret_key_well_formed(&k.secret_key));
    let mut bad = k.secret_key.clone().into_bytes();
    bad[10] = if bad[10] == b'a' { b'b' } else { b'a' };
    assert!(
        !secret_key_well_formed(&String::from_utf8(bad).expect("utf8")),
        "checksum catches a typo"
    );
    assert!(
        !format!("{k:?}").contains(&k.secret_key),
        "Debug redacts the secret"
    );
    let rec = r.get("acme").expect("record");
    let stored = serde_json::to_string(&rec).expect("json");
    assert!(!stored.contains(&k.secret_key[5..]), "secret never stored");
    assert_eq!(rec.secret_hash.len(), 64);
    // Two keys never repeat.
    let other = KeyRing::new();
    other.set_primary_user("b", "bob");
    assert_ne!(
        other.create("b", "bob", "x").expect("create").secret_key,
        k.secret_key
    );
}

#[test]
fn one_key_per_account_primary_only_rotation() {
    let r = ring();
    assert_eq!(
        r.create("acme", "mallory", "x").unwrap_err(),
        KeyError::NotPrimaryUser
    );
    assert_eq!(
        r.create("acme", "alice", " ").unwrap_err(),
        KeyError::InvalidName
    );
    let old = r.create("acme", "alice", "siem").expect("create");
    assert_eq!(
        r.create("acme", "alice", "again").unwrap_err(),
        KeyError::KeyAlreadyExists
    );
    assert_eq!(
        r.delete("acme", "mallory").unwrap_err(),
        KeyError::NotPrimaryUser
    );
    assert_eq!(
        r.verify(&old.access_key, &old.secret_key).expect("valid"),
        "acme"
    );
    r.delete("acme", "alice").expect("delete");
    assert_eq!(r.delete("acme", "alice").unwrap_err(), KeyError::NoApiKey);
    let new = r.create("acme", "alice", "siem2").expect("create");
    assert_eq!(
        r.verify(&old.access_key, &old.secret_key).unwrap_err(),
        KeyError::InvalidCredentials
    );
    assert_eq!(
        r.verify(&new.access_key, &new.secret_key).expect("valid"),
        "acme"
    );
}

#[test]
fn every_auth_failure_is_byte_identical() {
    let r = ring();
    let k = r.create("acme", "alice", "siem").expect("create");
    let other = KeyRing::new();
    other.set_primary_user("x", "x");
    let foreign = other.create("x", "x", "x").expect("create");
    let q: BTreeMap<String, String> = [("date".to_owned(), "2026-02-01".to_owned())].into();
    let attempts = [
        (k.access_key.as_str(), foreign.secret_key.as_str()), // wrong secret
        (foreign.access_key.as_str(), foreign.secret_key.as_str()), // unknown key
        (k.access_key.as_str(), "cssk_short"),                // malformed
        ("nonsense", k.secret_key.as_str()),                  // malformed access key
    ];
    let bodies: Vec<_> = attempts
        .iter()
        .map(|(a, s)| fetch_scan_logs(&r, Some(a), Some(s), &[], &q))
        .collect();
    for b in &bodies {
        assert_eq!(b.http_status, 401);
        assert_eq!(b.body, bodies[0].body);
        assert!(b.body.contains("INVALID_CREDENTIALS"));
    }
    let missing = fetch_scan_logs(&r, Some(&k.access_key), None, &[], &q);
    assert_eq!(missing.http_status, 401);
    assert!(missing.body.contains("MISSING_CREDENTIALS"));
    let ok = fetch_scan_logs(&r, Some(&k.access_key), Some(&k.secret_key), &[], &q);
    assert_eq!(ok.http_status, 404, "authenticated, no logs");
    assert!(ct_eq(&[1; 32], &[1; 32]) && !ct_eq(&[1; 32], &[2; 32]));
}

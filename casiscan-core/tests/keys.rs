//! API keys: formats, one per account, primary user only, hashed storage, uniform auth failures.

use std::collections::BTreeMap;

use casiscan_core::export::fetch_scan_logs;
use casiscan_core::keys::{
    KeyAction, KeyError, KeyRing, access_key_well_formed, ct_eq, secret_key_well_formed,
};

async fn ring() -> KeyRing {
    let r = KeyRing::in_memory();
    r.set_primary_user("acme", "alice").await.expect("primary");
    r
}

#[tokio::test]
async fn formats_entropy_and_checksum() {
    let r = ring().await;
    let k = r.create("acme", "alice", "siem").await.expect("create");
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
    let rec = r.get("acme").await.expect("record");
    let stored = serde_json::to_string(&rec).expect("json");
    assert!(!stored.contains(&k.secret_key[5..]), "secret never stored");
    assert_eq!(rec.secret_hash.len(), 64);
    // Two keys never repeat.
    let other = KeyRing::in_memory();
    other.set_primary_user("b", "bob").await.expect("primary");
    assert_ne!(
        other
            .create("b", "bob", "x")
            .await
            .expect("create")
            .secret_key,
        k.secret_key
    );
}

#[tokio::test]
async fn one_key_per_account_primary_only_rotation() {
    let r = ring().await;
    assert_eq!(
        r.create("acme", "mallory", "x").await.unwrap_err(),
        KeyError::NotPrimaryUser(KeyAction::Generate)
    );
    assert_eq!(
        r.create("acme", "alice", " ").await.unwrap_err(),
        KeyError::InvalidName
    );
    let old = r.create("acme", "alice", "siem").await.expect("create");
    assert_eq!(
        r.create("acme", "alice", "again").await.unwrap_err(),
        KeyError::KeyAlreadyExists
    );
    assert_eq!(
        r.delete("acme", "mallory").await.unwrap_err(),
        KeyError::NotPrimaryUser(KeyAction::Delete)
    );
    assert_eq!(
        KeyError::NotPrimaryUser(KeyAction::Delete).to_string(),
        "Only the primary user can delete an API key."
    );
    assert_eq!(
        r.verify(&old.access_key, &old.secret_key)
            .await
            .expect("valid"),
        "acme"
    );
    r.delete("acme", "alice").await.expect("delete");
    assert_eq!(
        r.delete("acme", "alice").await.unwrap_err(),
        KeyError::NoApiKey
    );
    let new = r.create("acme", "alice", "siem2").await.expect("create");
    assert_eq!(
        r.verify(&old.access_key, &old.secret_key)
            .await
            .unwrap_err(),
        KeyError::InvalidCredentials
    );
    assert_eq!(
        r.verify(&new.access_key, &new.secret_key)
            .await
            .expect("valid"),
        "acme"
    );
}

#[tokio::test]
async fn every_auth_failure_is_byte_identical() {
    let r = ring().await;
    let k = r.create("acme", "alice", "siem").await.expect("create");
    let other = KeyRing::in_memory();
    other.set_primary_user("x", "x").await.expect("primary");
    let foreign = other.create("x", "x", "x").await.expect("create");
    let q: BTreeMap<String, String> = [("date".to_owned(), "2026-02-01".to_owned())].into();
    let attempts = [
        (k.access_key.as_str(), foreign.secret_key.as_str()), // wrong secret
        (foreign.access_key.as_str(), foreign.secret_key.as_str()), // unknown key
        (k.access_key.as_str(), "cssk_short"),                // malformed
        ("nonsense", k.secret_key.as_str()),                  // malformed access key
    ];
    let mut bodies = Vec::new();
    for (a, s) in attempts {
        bodies.push(fetch_scan_logs(&r, Some(a), Some(s), &[], &q).await);
    }
    for b in &bodies {
        assert_eq!(b.http_status, 401);
        assert_eq!(b.body, bodies[0].body);
        assert!(b.body.contains("INVALID_CREDENTIALS"));
    }
    let missing = fetch_scan_logs(&r, Some(&k.access_key), None, &[], &q).await;
    assert_eq!(missing.http_status, 401);
    assert!(missing.body.contains("MISSING_CREDENTIALS"));
    let ok = fetch_scan_logs(&r, Some(&k.access_key), Some(&k.secret_key), &[], &q).await;
    assert_eq!(ok.http_status, 404, "authenticated, no logs");
    assert!(ct_eq(&[1; 32], &[1; 32]) && !ct_eq(&[1; 32], &[2; 32]));
}

#[tokio::test]
async fn keys_survive_a_restart_and_are_shared_by_servers_on_one_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keys.db");
    let open = || async {
        let store = casiscan_core::store::SqliteStore::open(&path)
            .await
            .expect("open");
        KeyRing::new(std::sync::Arc::new(store))
    };
    let first = open().await;
    first
        .set_primary_user("acme", "alice")
        .await
        .expect("primary");
    let k = first.create("acme", "alice", "siem").await.expect("create");
    // A second server on the same file sees the key at once, and it outlives the first.
    let second = open().await;
    drop(first);
    assert_eq!(
        second
            .verify(&k.access_key, &k.secret_key)
            .await
            .expect("valid"),
        "acme"
    );
    let mut raw = std::fs::read(&path).expect("read db");
    raw.extend(std::fs::read(dir.path().join("keys.db-wal")).unwrap_or_default());
    let needle = &k.secret_key.as_bytes()[5..];
    assert!(
        !raw.windows(needle.len()).any(|w| w == needle),
        "the secret is not in the database file"
    );
    assert_eq!(
        second.create("acme", "alice", "again").await.unwrap_err(),
        KeyError::KeyAlreadyExists
    );
    second.delete("acme", "alice").await.expect("delete");
    let third = open().await;
    assert_eq!(
        third
            .verify(&k.access_key, &k.secret_key)
            .await
            .unwrap_err(),
        KeyError::InvalidCredentials,
        "a deleted key is refused everywhere"
    );
}

//! Scope policies through the Client: every entry point (add, update, start, run on demand)
//! refuses an out-of-scope target with a Forbidden error naming target and rule, and a hostname
//! whose resolution changes to an out-of-scope address is refused right before it runs (by
//! `Client::run_scan` and by a `Worker`), the scan ending Failed with the address in its error.

use std::sync::Arc;
use std::time::Duration;

use casiscan_core::model::{Scan, ScanState, ScopePolicy};
use casiscan_core::providers::{self, Providers, RunContext};
use casiscan_core::runner::{RunnerIdentity, WorkerConfig};
use casiscan_core::scope::StaticResolver;
use casiscan_core::store::{MemoryStore, SqliteStore, Store};
use casiscan_core::{Client, Error, ErrorKind};
use tokio_util::sync::CancellationToken;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn scan(name: &str, target: &str) -> Scan {
    let mut s = Scan::new("acme", name);
    s.target = target.into();
    s.command = "-sT -p 22".into();
    s
}

async fn client_with_policy() -> Client {
    let client = Client::open("memory:", Providers::new())
        .await
        .expect("client");
    client
        .set_scope_policy(
            "acme",
            &strings(&["10.0.0.0/8", "192.0.2.10-192.0.2.20", "*.corp.example"]),
            &strings(&["10.66.0.0/16", "secret.corp.example"]),
        )
        .await
        .expect("policy");
    client
}

fn assert_forbidden(e: &Error, target: &str, rule: &str) {
    assert_eq!(e.kind(), ErrorKind::Forbidden, "{e}");
    let text = e.to_string();
    assert!(text.contains(target) && text.contains(rule), "{text}");
}

#[tokio::test]
async fn every_client_entry_point_refuses_an_out_of_scope_target() {
    let cases = [
        ("198.51.100.7", "198.51.100.7", "not covered"),
        ("10.66.1.1", "10.66.1.1", "denied by `10.66.0.0/16`"),
        ("10.0.0.0/8", "10.0.0.0/8", "denied by `10.66.0.0/16`"),
        ("192.0.2.15-25", "192.0.2.15-25", "not covered"),
        (
            "secret.corp.example",
            "secret.corp.example",
            "denied by `secret.corp.example`",
        ),
    ];
    let client = client_with_policy().await;
    for (n, (target, named, rule)) in cases.iter().enumerate() {
        let name = format!("s{n}");
        // add
        let err = client
            .add_scan(&scan(&name, target))
            .await
            .expect_err("add");
        assert_forbidden(&err, named, rule);
        assert_eq!(
            client
                .get_scan(format!("acme/{name}"))
                .await
                .expect_err("absent")
                .kind(),
            ErrorKind::NotFound
        );
        // update
        client
            .add_scan(&scan(&name, "10.1.2.3"))
            .await
            .expect("in scope");
        let err = client
            .update_scan(format!("acme/{name}"), &scan(&name, target))
            .await
            .expect_err("update");
        assert_forbidden(&err, named, rule);
        assert_eq!(
            client
                .get_scan(format!("acme/{name}"))
                .await
                .expect("get")
                .target,
            "10.1.2.3",
            "nothing changed"
        );
        // run on demand (scan-asset without saveToScan)
        let err = client
            .run_now(&scan(&name, target), RunContext::detached())
            .await
            .expect_err("run now");
        assert_forbidden(&err, named, rule);
    }
    // start: the policy tightened after the scan was added.
    client
        .add_scan(&scan("later", "10.5.5.5"))
        .await
        .expect("add");
    client
        .set_scope_policy("acme", &strings(&["10.1.0.0/16"]), &[])
        .await
        .expect("tighter");
    let err = client.start_scan("acme/later").await.expect_err("start");
    assert_forbidden(&err, "10.5.5.5", "not covered");
    assert_eq!(
        client.get_scan("acme/later").await.expect("get").state,
        ScanState::Created
    );
    // Other accounts and no policy: today's behaviour.
    let mut other = scan("free", "198.51.100.7");
    other.owner = "other".into();
    client.add_scan(&other).await.expect("no policy, no limit");
    client.remove_scope_policy("acme").await.expect("remove");
    client
        .start_scan("acme/later")
        .await
        .expect("no policy any more");
}

#[tokio::test]
async fn malformed_or_overlapping_entries_are_refused_naming_the_field() {
    let client = client_with_policy().await;
    let before = client.scope_policy("acme").await.expect("get");
    let cases: [(&[&str], &[&str], &str); 4] = [
        (&["10.0.0.0/8", "not a host!"], &[], "scope.allow[1]"),
        (&["10.0.0.1/8"], &[], "scope.allow[0]"),
        (&["10.0.0.0/8", "10.2.0.0/16"], &[], "scope.allow"),
        (&[], &["*.corp.example", "db.corp.example"], "scope.deny"),
    ];
    for (allow, deny, field) in cases {
        let err = client
            .set_scope_policy("acme", &strings(allow), &strings(deny))
            .await
            .expect_err("refused");
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains(field), "{field}: {err}");
        assert_eq!(client.scope_policy("acme").await.expect("get"), before);
    }
}

/// A client whose runs resolve `app.corp.example` through `resolver`, under a policy allowing
/// 127.0.0.0/8 and `*.corp.example`.
async fn resolving_client(
    store: Arc<dyn Store>,
    providers: Providers,
    resolver: &StaticResolver,
) -> Client {
    let client = Client::new(store, providers).with_resolver(Arc::new(resolver.clone()));
    client
        .set_scope_policy("acme", &strings(&["127.0.0.0/8", "*.corp.example"]), &[])
        .await
        .expect("policy");
    client
}

#[tokio::test]
async fn a_hostname_that_now_resolves_out_of_scope_is_refused_at_execution() {
    let resolver = StaticResolver::new();
    resolver.set("app.corp.example", vec!["127.0.0.1".parse().expect("ip")]);
    let client = resolving_client(Arc::new(MemoryStore::new()), Providers::new(), &resolver).await;
    client
        .add_scan(&scan("app", "app.corp.example"))
        .await
        .expect("in scope by name");
    // In scope: the run gets past the check (and fails only for want of a provider here).
    let done = client
        .run_scan("acme/app", RunContext::detached())
        .await
        .expect("run");
    assert_eq!(done.state, ScanState::Failed);
    assert!(!done.error_text.contains("scope"), "{}", done.error_text);
    // The name now points outside the allowed addresses.
    resolver.set(
        "app.corp.example",
        vec![
            "127.0.0.2".parse().expect("ip"),
            "203.0.113.50".parse().expect("ip"),
        ],
    );
    let done = client
        .run_scan("acme/app", RunContext::detached())
        .await
        .expect("run");
    assert_eq!(done.state, ScanState::Failed);
    assert!(
        done.error_text.contains("app.corp.example -> 203.0.113.50")
            && done.error_text.contains("out of scope"),
        "{}",
        done.error_text
    );
    let runs = client.list_runs("acme/app").await.expect("runs");
    assert!(
        runs.last()
            .expect("run")
            .error_text
            .contains("203.0.113.50")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_refuses_a_resolution_change_before_running() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.path().join("w.db"))
            .await
            .expect("open"),
    );
    let resolver = StaticResolver::new();
    resolver.set("app.corp.example", vec!["127.0.0.1".parse().expect("ip")]);
    // The real nmap provider, so this runner may claim the scan; the check stops it first.
    let client = resolving_client(Arc::clone(&store), providers::defaults(), &resolver).await;
    client
        .add_scan(&scan("app", "app.corp.example"))
        .await
        .expect("add");
    resolver.set(
        "app.corp.example",
        vec!["198.51.100.9".parse().expect("ip")],
    );
    client
        .start_scan("acme/app")
        .await
        .expect("start: the name is in scope");
    let mut config = WorkerConfig::new(RunnerIdentity::detect(client.providers()).await);
    config.resolver = Arc::new(resolver.clone());
    config.poll = Duration::from_millis(20);
    let stop = CancellationToken::new();
    let worker = client.worker(config);
    let run = tokio::spawn({
        let stop = stop.clone();
        async move { worker.run(stop).await }
    });
    let mut done = None;
    let began = std::time::Instant::now();
    while began.elapsed() < Duration::from_secs(30) {
        let s = client.get_scan("acme/app").await.expect("get");
        if s.state == ScanState::Failed {
            done = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.cancel();
    run.await.expect("join").expect("worker");
    let done = done.expect("the worker ended the scan");
    assert!(
        done.error_text.contains("198.51.100.9"),
        "{}",
        done.error_text
    );
}

#[tokio::test]
async fn policies_are_stored_per_account_on_memory_and_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stores: Vec<Arc<dyn Store>> = vec![
        Arc::new(MemoryStore::new()),
        Arc::new(
            SqliteStore::open(dir.path().join("p.db"))
                .await
                .expect("open"),
        ),
    ];
    for store in stores {
        let p = ScopePolicy::parse(&strings(&["10.0.0.0/8"]), &strings(&["*.lab.example"]))
            .expect("policy");
        assert_eq!(store.get_scope_policy("a").await.expect("get"), None);
        store.set_scope_policy("a", Some(&p)).await.expect("set");
        assert_eq!(store.get_scope_policy("a").await.expect("get"), Some(p));
        assert_eq!(store.get_scope_policy("b").await.expect("get"), None);
        store.set_scope_policy("a", None).await.expect("remove");
        assert_eq!(store.get_scope_policy("a").await.expect("get"), None);
    }
}

//! install-patch on this machine's real apt and dpkg (Debian, run as root), with a package the
//! test builds itself: v1 installed with `dpkg -i`, v2 offered by a local file repository that
//! apt sees only through `-o` options (the machine's sources, lists and caches are untouched).
//! The dummy package is purged at the end; no other package of the machine changes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use casiscan_core::model::{ProviderKind, Scan, ScanState};
use casiscan_core::providers::ospatch::OsPatchProvider;
use casiscan_core::providers::patch_install::{
    PatchInstallProvider, PatchInstallRequest, PatchInstallResult, PatchSelection, apt::AptConfig,
};
use casiscan_core::providers::{Provider, Providers, RunContext, RunRequest};
use casiscan_core::runner::{RunnerIdentity, Worker, WorkerConfig};
use casiscan_core::{Client, ErrorKind};
use tokio_util::sync::CancellationToken;

const PKG: &str = "casiscan-patch-dummy";

fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The installed version of `pkg`, or `None`.
fn installed(pkg: &str) -> Option<String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}|${Version}", pkg])
        .output()
        .expect("dpkg-query");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (status, version) = text.split_once('|')?;
    (status == "install ok installed").then(|| version.to_string())
}

/// Every installed package and version but the dummy (what must never change).
fn others() -> String {
    sh(Command::new("dpkg-query")
        .args(["-W", "-f=${Package}:${Architecture} ${Version} ${Status}\n"]))
    .lines()
    .filter(|l| !l.starts_with(PKG))
    .collect::<Vec<_>>()
    .join("\n")
}

fn build_deb(dir: &Path, version: &str) -> PathBuf {
    let tree = dir.join(format!("build-{version}"));
    std::fs::create_dir_all(tree.join("DEBIAN")).expect("mkdir");
    std::fs::create_dir_all(tree.join("usr/share/doc").join(PKG)).expect("mkdir");
    std::fs::write(
        tree.join("DEBIAN/control"),
        format!(
            "Package: {PKG}\nVersion: {version}\nArchitecture: all\nMaintainer: casiscan tests \
             <tests@casiscan.invalid>\nSection: misc\nPriority: optional\nDescription: dummy \
             package of the casiscan install-patch test\n"
        ),
    )
    .expect("control");
    std::fs::write(
        tree.join("usr/share/doc").join(PKG).join("version"),
        version,
    )
    .expect("payload");
    let deb = dir.join(format!("{PKG}_{version}_all.deb"));
    sh(Command::new("dpkg-deb")
        .args(["--build", "--root-owner-group"])
        .arg(&tree)
        .arg(&deb));
    deb
}

/// The temp directory, the scan root (real dpkg status, private apt lists) and apt's options.
struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    apt: AptConfig,
    v1: PathBuf,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = Command::new("dpkg").args(["--purge", PKG]).output();
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let v1 = build_deb(d, "1.0");
    let repo = d.join("repo");
    std::fs::create_dir_all(&repo).expect("repo");
    let v2 = build_deb(d, "2.0");
    std::fs::rename(&v2, repo.join(v2.file_name().expect("name"))).expect("move");
    let packages = sh(Command::new("apt-ftparchive")
        .arg("packages")
        .arg(".")
        .current_dir(&repo));
    std::fs::write(repo.join("Packages"), packages).expect("Packages");
    let release = sh(Command::new("apt-ftparchive")
        .args(["-o", "APT::FTPArchive::Release::Origin=casiscan-test"])
        .args(["-o", "APT::FTPArchive::Release::Suite=casiscan-test"])
        .arg("release")
        .arg(".")
        .current_dir(&repo));
    std::fs::write(repo.join("Release"), release).expect("Release");
    let sources = d.join("sources.list");
    std::fs::write(
        &sources,
        format!("deb [trusted=yes] file:{} ./\n", repo.display()),
    )
    .expect("sources");
    let root = d.join("root");
    let lists = root.join("var/lib/apt/lists");
    std::fs::create_dir_all(lists.join("partial")).expect("lists");
    std::fs::create_dir_all(root.join("var/lib/dpkg")).expect("dpkg dir");
    std::os::unix::fs::symlink("/var/lib/dpkg/status", root.join("var/lib/dpkg/status"))
        .expect("status link");
    std::fs::create_dir_all(d.join("archives/partial")).expect("archives");
    let apt = AptConfig {
        program: "apt-get".into(),
        options: vec![
            format!("Dir::Etc::sourcelist={}", sources.display()),
            "Dir::Etc::sourceparts=-".into(),
            format!("Dir::State::Lists={}", lists.display()),
            format!("Dir::Cache::archives={}", d.join("archives").display()),
            format!("Dir::Cache::pkgcache={}", d.join("pkgcache.bin").display()),
            format!(
                "Dir::Cache::srcpkgcache={}",
                d.join("srcpkgcache.bin").display()
            ),
        ],
    };
    let mut update = Command::new("apt-get");
    for o in &apt.options {
        update.arg("-o").arg(o);
    }
    sh(update.arg("update"));
    Fixture {
        _dir: dir,
        root,
        apt,
        v1,
    }
}

fn providers(f: &Fixture) -> Providers {
    Providers::new()
        .with(Arc::new(OsPatchProvider::with_root(&f.root)))
        .with(Arc::new(
            PatchInstallProvider::with_root(&f.root).with_apt(f.apt.clone()),
        ))
}

async fn until(client: &Client, id: &str, what: &str, done: impl Fn(&Scan) -> bool) -> Scan {
    for _ in 0..1200 {
        let s = client.get_scan(id).await.expect("get");
        if done(&s) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{id} never became {what}");
}

fn finished(s: &Scan) -> bool {
    matches!(
        s.state,
        ScanState::Completed | ScanState::Failed | ScanState::Canceled
    )
}

fn job_result(s: &Scan) -> PatchInstallResult {
    assert_eq!(
        s.state,
        ScanState::Completed,
        "{}: {}",
        s.name,
        s.error_text
    );
    PatchInstallResult::from_json(&s.result).expect("job result")
}

/// The pending updates of the OS patch scan's stored result: (name, installed, candidate).
fn pending(s: &Scan) -> Vec<(String, Option<String>, Option<String>)> {
    assert_eq!(s.state, ScanState::Completed, "{}", s.error_text);
    let v: serde_json::Value = serde_json::from_str(&s.result).expect("result");
    v["report"]["updates"]
        .as_array()
        .expect("updates")
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap_or_default().to_string(),
                u["installedVersion"].as_str().map(str::to_string),
                u["candidateVersion"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apt_install_patch_dry_run_then_install_then_rescan() {
    let f = fixture();
    let before = others();
    sh(Command::new("dpkg").arg("-i").arg(&f.v1));
    assert_eq!(installed(PKG).as_deref(), Some("1.0"));

    let dir = tempfile::tempdir().expect("db dir");
    let db = format!("sqlite:{}", dir.path().join("casiscan.db").display());
    let client = Client::open(&db, providers(&f)).await.expect("client");
    let identity = RunnerIdentity::detect(client.providers()).await;
    assert!(
        identity.providers.contains(&ProviderKind::PatchInstall),
        "apt-get and a dpkg database make the install provider available"
    );
    let worker = Worker::new(
        Arc::clone(client.store()),
        client.providers().clone(),
        WorkerConfig::new(identity),
    );
    let stop = CancellationToken::new();
    let running = {
        let stop = stop.clone();
        tokio::spawn(async move { worker.run(stop).await })
    };

    // The OS patch scan finds v2.
    let mut scan = Scan::new("admin", "patches");
    scan.provider = Some(ProviderKind::OsPatch);
    scan.target = "127.0.0.1".into();
    scan.command = "available".into();
    client.add_scan(&scan).await.expect("add");
    client.start_scan("admin/patches").await.expect("start");
    let found = until(&client, "admin/patches", "finished", finished).await;
    let updates = pending(&found);
    assert_eq!(
        updates,
        [(PKG.to_string(), Some("1.0".into()), Some("2.0".into()))],
        "only the dummy's update is seen through the private lists"
    );

    // Bad input: clear typed errors, nothing queued, nothing installed.
    let named = |names: &[&str], dry_run: bool| PatchSelection {
        all_security: false,
        updates: names.iter().map(|s| s.to_string()).collect(),
        dry_run,
    };
    let err = client
        .install_patch("admin/patches", &named(&["bash"], false))
        .await
        .expect_err("bash is not in the result");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("`bash`"), "{err}");
    let err = client
        .install_patch("admin/patches", &named(&["--reinstall"], false))
        .await
        .expect_err("an option is not a package");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = client
        .install_patch(
            "admin/patches",
            &PatchSelection {
                all_security: true,
                ..PatchSelection::default()
            },
        )
        .await
        .expect_err("the dummy's update is no security update");
    assert!(err.to_string().contains("no security update"), "{err}");
    let mut nmap = Scan::new("admin", "ports");
    nmap.target = "127.0.0.1".into();
    nmap.command = "-sn".into();
    client.add_scan(&nmap).await.expect("add nmap");
    let err = client
        .install_patch("admin/ports", &named(&[PKG], false))
        .await
        .expect_err("not an OS patch scan");
    assert!(err.to_string().contains("Nmap scan"), "{err}");
    let mut hand_made = Scan::new("admin", "sneaky");
    hand_made.provider = Some(ProviderKind::PatchInstall);
    hand_made.target = "127.0.0.1".into();
    assert_eq!(
        client
            .add_scan(&hand_made)
            .await
            .expect_err("hand-made job")
            .kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(installed(PKG).as_deref(), Some("1.0"));

    // A version that is no longer the candidate is refused on the runner, before apt runs.
    let stale = PatchInstallRequest {
        source_scan: "admin/patches".into(),
        backend: casiscan_core::providers::ospatch::Backend::Debian,
        updates: vec![casiscan_core::providers::patch_install::PlannedUpdate {
            name: PKG.into(),
            arch: Some("all".into()),
            installed_version: Some("1.0".into()),
            version: Some("1.5".into()),
            advisory: None,
            is_security: false,
        }],
        dry_run: false,
    };
    let err = PatchInstallProvider::with_root(&f.root)
        .with_apt(f.apt.clone())
        .run(
            RunRequest {
                owner: "admin".into(),
                target: "127.0.0.1".parse().expect("target"),
                command: stale.to_command().expect("command"),
                timeout: Duration::from_secs(120),
            },
            RunContext::detached(),
        )
        .await
        .expect_err("1.5 is not the candidate");
    assert!(
        err.to_string()
            .contains("1.5 is no longer the candidate (now 2.0)"),
        "{err}"
    );
    assert_eq!(installed(PKG).as_deref(), Some("1.0"));

    // Dry run: apt -s, nothing changes, no follow-up scan.
    let job = client
        .install_patch("admin/patches", &named(&[PKG], true))
        .await
        .expect("dry run queued");
    assert_eq!(job.provider, Some(ProviderKind::PatchInstall));
    assert_eq!(job.target, "127.0.0.1");
    let id = format!("admin/{}", job.name);
    let done = until(&client, &id, "finished", finished).await;
    let r = job_result(&done);
    assert!(r.dry_run);
    assert!(r.installed.is_empty());
    assert_eq!(r.would_install.len(), 1, "{r:?}");
    assert_eq!(r.would_install[0].name, PKG);
    assert_eq!(r.would_install[0].from_version.as_deref(), Some("1.0"));
    assert_eq!(r.would_install[0].to_version.as_deref(), Some("2.0"));
    assert!(r.command.contains(&"-s".to_string()));
    assert_eq!(
        installed(PKG).as_deref(),
        Some("1.0"),
        "a dry run changes nothing"
    );
    assert_eq!(
        client.list_runs("admin/patches").await.expect("runs").len(),
        1
    );

    // Install: exactly the dummy, to exactly 2.0; the OS patch scan runs again and finds none.
    let job = client
        .install_patch("admin/patches", &named(&[PKG], false))
        .await
        .expect("install queued");
    let id = format!("admin/{}", job.name);
    let done = until(&client, &id, "finished", finished).await;
    let r = job_result(&done);
    assert!(!r.dry_run);
    assert_eq!(r.failed, []);
    assert_eq!(r.installed.len(), 1, "{r:?}");
    assert_eq!(r.installed[0].from_version.as_deref(), Some("1.0"));
    assert_eq!(r.installed[0].to_version.as_deref(), Some("2.0"));
    assert!(r.command.contains(&"--only-upgrade".to_string()));
    assert!(r.command.contains(&format!("{PKG}=2.0")));
    assert_eq!(done.result_summary, "1 installed");
    assert_eq!(installed(PKG).as_deref(), Some("2.0"));
    assert_eq!(others(), before, "no other package changed");
    assert_eq!(client.list_runs(&id).await.expect("job runs").len(), 1);

    let rescanned = until(&client, "admin/patches", "scanned again", |s| {
        finished(s) && s.finished_time > found.finished_time
    })
    .await;
    assert_eq!(pending(&rescanned), [], "the follow-up scan finds none");
    assert_eq!(
        client.list_runs("admin/patches").await.expect("runs").len(),
        2
    );

    // Installing again from the fresh scan: nothing pending any more.
    let err = client
        .install_patch("admin/patches", &named(&[PKG], false))
        .await
        .expect_err("no longer pending");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);

    stop.cancel();
    running.await.expect("join").expect("worker");
    sh(Command::new("dpkg").args(["--purge", PKG]));
    assert_eq!(installed(PKG), None);
}

/// A held dpkg lock refuses the job before apt runs (the lock of a private root, held here).
#[tokio::test]
async fn a_held_dpkg_lock_is_named_and_nothing_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("var/lib/dpkg")).expect("dpkg dir");
    std::fs::write(
        root.join("var/lib/dpkg/status"),
        format!(
            "Package: {PKG}\nStatus: install ok installed\nArchitecture: all\nVersion: 1.0\n\n"
        ),
    )
    .expect("status");
    let lock = root.join("var/lib/dpkg/lock-frontend");
    std::fs::write(&lock, "").expect("lock file");
    let mut holder = std::process::Command::new("python3")
        .args([
            "-c",
            "import fcntl,sys,time\nf=open(sys.argv[1],'r+')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('held',flush=True)\ntime.sleep(60)",
        ])
        .arg(&lock)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("lock holder");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("held");
    assert_eq!(line.trim(), "held");
    let request = PatchInstallRequest {
        source_scan: "admin/patches".into(),
        backend: casiscan_core::providers::ospatch::Backend::Debian,
        updates: vec![casiscan_core::providers::patch_install::PlannedUpdate {
            name: PKG.into(),
            arch: Some("all".into()),
            installed_version: Some("1.0".into()),
            version: Some("2.0".into()),
            advisory: None,
            is_security: false,
        }],
        dry_run: true,
    };
    // apt-get is a program that must never start: the lock refuses the job first.
    let provider = PatchInstallProvider::with_root(root).with_apt(AptConfig {
        program: "/nonexistent/apt-get".into(),
        options: Vec::new(),
    });
    let err = provider
        .run(
            RunRequest {
                owner: "admin".into(),
                target: "127.0.0.1".parse().expect("target"),
                command: request.to_command().expect("command"),
                timeout: Duration::from_secs(30),
            },
            RunContext::detached(),
        )
        .await
        .expect_err("locked");
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    let text = err.to_string();
    assert!(text.contains("lock-frontend is held by process"), "{text}");
    assert!(text.contains(&holder.id().to_string()), "{text}");
    assert!(text.contains("nothing was installed"), "{text}");
}

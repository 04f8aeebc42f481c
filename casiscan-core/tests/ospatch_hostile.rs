//! The OS patch report on a hostile root: FIFOs, devices, directories, decompression bombs,
//! sparse giants, invalid UTF-8 and CRLF in place of the package caches. Every case finishes
//! within a deadline, in bounded memory, and says which file it could not read.
#![cfg(unix)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use casiscan_core::ErrorKind;
use casiscan_core::providers::ospatch::MAX_OFFERS;
use casiscan_core::providers::ospatch::cache_file::{
    MAX_CONFIG_BYTES, MAX_DECODED_BYTES, MAX_STATUS_BYTES,
};
use casiscan_core::providers::ospatch::debian::{DebianReport as OsPatchReport, debian_report};

/// Longest any case may take (they take well under a second when the limits hold).
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `f` on another thread and fails the test when it has not finished by the deadline.
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(value) => value,
        Err(e) => panic!("the report did not finish within {DEADLINE:?}: {e}"),
    }
}

/// Everything `pipe` gives until it closes, read on a thread of its own.
fn drain(mut pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = pipe.read_to_end(&mut out);
        out
    })
}

/// The output of `child` once it exits (its pipes drained meanwhile, so that it never blocks on
/// them); killed, and the test failed, past the deadline, so that no child outlives the test.
fn output_within_deadline(mut child: std::process::Child) -> std::process::Output {
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child did not finish within {DEADLINE:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    std::process::Output {
        status,
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    }
}

fn report(root: &Path) -> casiscan_core::Result<OsPatchReport> {
    let root = root.to_path_buf();
    within(move || debian_report(&root))
}

const LIST: &str = "ex.org_debian_dists_stable_main_binary-amd64_Packages";
const SECURITY_LIST: &str = "ex.org_security_dists_stable-security_main_binary-amd64_Packages";

fn stanza(name: &str, version: &str) -> String {
    format!(
        "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\nDescription: test\n more\n\n"
    )
}

fn status() -> String {
    [
        stanza("dpkg", "1.21.22"),
        stanza("foo", "1.0-1"),
        stanza("bar", "2.0-1"),
    ]
    .concat()
}

/// A root with three installed packages and two lists: stable offers foo 1.0-3, security
/// offers bar 2.0-2.
fn tree(root: &Path) -> PathBuf {
    let lists = root.join("var/lib/apt/lists");
    std::fs::create_dir_all(root.join("var/lib/dpkg")).expect("mkdir");
    std::fs::create_dir_all(&lists).expect("mkdir");
    std::fs::write(root.join("var/lib/dpkg/status"), status()).expect("status");
    let release = |suite: &str, label: &str| {
        format!(
            "Origin: Debian\nLabel: {label}\nSuite: {suite}\nCodename: {suite}\nDate: Sat, 21 Nov 2026 10:00:00 UTC\n"
        )
    };
    std::fs::write(
        lists.join("ex.org_debian_dists_stable_Release"),
        release("stable", "Debian"),
    )
    .expect("release");
    std::fs::write(
        lists.join("ex.org_security_dists_stable-security_Release"),
        release("stable-security", "Debian-Security"),
    )
    .expect("release");
    std::fs::write(
        lists.join(LIST),
        "Package: foo\nArchitecture: amd64\nVersion: 1.0-3\n\n",
    )
    .expect("list");
    std::fs::write(
        lists.join(SECURITY_LIST),
        "Package: bar\nArchitecture: amd64\nVersion: 2.0-2\n\n",
    )
    .expect("list");
    lists
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(ok.success());
}

fn warned<'a>(r: &'a OsPatchReport, needles: &[&str]) -> &'a str {
    r.warnings
        .iter()
        .find(|w| needles.iter().all(|n| w.contains(n)))
        .unwrap_or_else(|| panic!("no warning with {needles:?} in {:#?}", r.warnings))
}

fn candidates(r: &OsPatchReport) -> Vec<(String, String)> {
    r.updates
        .iter()
        .map(|u| (u.name.clone(), u.candidate_version.clone()))
        .collect()
}

#[test]
fn a_fifo_status_is_an_error_naming_it_not_a_hang() {
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    let status = dir.path().join("var/lib/dpkg/status");
    std::fs::remove_file(&status).expect("rm");
    mkfifo(&status);
    let err = report(dir.path()).expect_err("nothing to read");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let text = err.to_string();
    assert!(
        text.contains("var/lib/dpkg/status") && text.contains("a FIFO, not a regular file"),
        "{text}"
    );
}

#[test]
fn fifo_and_directory_lists_are_warnings_and_the_rest_is_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let lists = tree(dir.path());
    std::fs::remove_file(lists.join(LIST)).expect("rm");
    mkfifo(&lists.join(LIST));
    let dir_list = "ex.org_debian_dists_stable_contrib_binary-amd64_Packages";
    std::fs::create_dir(lists.join(dir_list)).expect("mkdir");
    let release = lists.join("ex.org_security_dists_stable-security_InRelease");
    mkfifo(&release);
    let r = report(dir.path()).expect("report");
    warned(&r, &[LIST, "a FIFO, not a regular file"]);
    warned(&r, &[dir_list, "a directory, not a regular file"]);
    warned(&r, &["stable-security_InRelease", "a FIFO"]);
    assert_eq!(candidates(&r), [("bar".into(), "2.0-2".into())]);
}

#[test]
fn a_list_linked_to_dev_zero_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let lists = tree(dir.path());
    std::fs::remove_file(lists.join(LIST)).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", lists.join(LIST)).expect("symlink");
    let r = report(dir.path()).expect("report");
    warned(&r, &[LIST, "a character device (through a symlink)"]);
    assert_eq!(candidates(&r), [("bar".into(), "2.0-2".into())]);
}

#[test]
fn special_configuration_files_are_warnings() {
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    std::fs::create_dir_all(dir.path().join("etc/apt/preferences.d")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("run")).expect("mkdir");
    for f in [
        "etc/os-release",
        "etc/apt/preferences",
        "etc/apt/preferences.d/pins",
        "run/reboot-required.pkgs",
    ] {
        mkfifo(&dir.path().join(f));
    }
    let r = report(dir.path()).expect("report");
    for f in [
        "etc/os-release",
        "etc/apt/preferences:",
        "preferences.d/pins",
        "reboot-required.pkgs",
    ] {
        warned(&r, &[f, "a FIFO"]);
    }
    assert_eq!(r.updates.len(), 2);
}

#[test]
fn an_os_release_of_exactly_the_configuration_limit_is_read_and_a_byte_more_is_not() {
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
    let path = dir.path().join("etc/os-release");
    let head = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";
    let limit = usize::try_from(MAX_CONFIG_BYTES).expect("fits");
    assert_eq!(limit, 16 << 20, "the documented limit");
    let mut text = head.to_string() + &"#".repeat(limit - head.len() - 1) + "\n";
    std::fs::write(&path, &text).expect("write");
    let r = report(dir.path()).expect("report");
    assert!(
        !r.warnings.iter().any(|w| w.contains("os-release")),
        "{:#?}",
        r.warnings
    );
    assert_eq!(r.os.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
    text.push('\n');
    std::fs::write(&path, &text).expect("write");
    let r = report(dir.path()).expect("report");
    warned(
        &r,
        &["etc/os-release: 16.0 MiB on disk, over the 16.0 MiB limit; not read"],
    );
    assert_eq!(r.os, None);
}

/// A gzip file of `members` copies of one member holding 1 MiB of `stanza` repeated: a few
/// hundred bytes per MiB decoded.
fn gzip_bomb(stanza: &str, members: usize) -> Vec<u8> {
    let block = stanza.repeat((1 << 20) / stanza.len());
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(block.as_bytes()).expect("gz");
    let member = e.finish().expect("gz");
    member.repeat(members)
}

#[test]
fn a_gzip_bomb_list_stops_early_with_a_warning() {
    let dir = tempfile::tempdir().expect("tmp");
    let lists = tree(dir.path());
    // 300 KB decoding to 80 MiB: a stanza of an installed package, repeated. The ratio guard
    // stops it at 32 MiB (the decoded cap would stop a larger one at 512 MiB).
    let stanza = format!(
        "Package: foo\nArchitecture: amd64\nVersion: 9.9\nDescription: {}\n\n",
        "x".repeat(400)
    );
    let bomb = gzip_bomb(&stanza, 80);
    assert!(bomb.len() < 512 << 10, "{}", bomb.len());
    let name = format!("{LIST}.gz");
    std::fs::remove_file(lists.join(LIST)).expect("rm");
    std::fs::write(lists.join(&name), &bomb).expect("bomb");
    let start = Instant::now();
    let r = report(dir.path()).expect("report");
    warned(
        &r,
        &[&name, "decodes to more than 100 times its", "not read"],
    );
    assert_eq!(candidates(&r), [("bar".into(), "2.0-2".into())]);
    eprintln!("gzip bomb refused in {:?}", start.elapsed());
}

#[test]
fn ten_gib_of_zeros_as_a_gzip_list_stop_at_the_limit_with_a_warning_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let lists = tree(dir.path());
    // 10 240 gzip members of 1 MiB of zeros each: 10 GiB once decoded, about 10 MB on disk.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; 1 << 20]).expect("gz");
    let member = e.finish().expect("gz");
    let bomb = member.repeat(10 << 10);
    assert!(bomb.len() < 16 << 20, "{}", bomb.len());
    let name = format!("{LIST}.gz");
    std::fs::remove_file(lists.join(LIST)).expect("rm");
    std::fs::write(lists.join(&name), &bomb).expect("bomb");
    let start = Instant::now();
    let r = report(dir.path()).expect("report");
    let took = start.elapsed();
    // Zeros hold no blank line: the stanza cap (16 MiB decoded) stops the read first, before
    // the ratio guard's 32 MiB floor; the warning names the file.
    warned(&r, &[&name, "a stanza longer than 16.0 MiB"]);
    // The other list is read as usual; the bomb is not read to its end (10 GiB would take
    // minutes to decode here).
    assert_eq!(candidates(&r), [("bar".into(), "2.0-2".into())]);
    assert!(took < Duration::from_secs(60), "{took:?}");
    eprintln!("10 GiB of zeros refused in {took:?}");
}

/// Peak resident memory of this process (`VmHWM`), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .expect("VmHWM")
}

/// Names the directory of the two roots the child run of
/// [`a_bomb_of_distinct_stanzas_keeps_memory_bounded`] reads.
const CHILD_ROOT: &str = "CASISCAN_OSPATCH_BOMB_ROOT";

/// Most memory the child may reach (the test harness, the list stream and the capped offers).
const PEAK_RSS: u64 = 384 << 20;

/// A root whose stable list offers `versions` distinct versions of the installed `foo`, as
/// gzip (the security list offers one version of `bar`).
fn offers_root(root: &Path, versions: usize) {
    let lists = tree(root);
    let text: String = (0..versions)
        .map(|i| format!("Package: foo\nVersion: 2.{i}\n\n"))
        .collect();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(text.as_bytes()).expect("gz");
    std::fs::write(lists.join(format!("{LIST}.gz")), e.finish().expect("gz")).expect("bomb");
    std::fs::remove_file(lists.join(LIST)).expect("rm");
}

#[test]
fn a_bomb_of_distinct_stanzas_keeps_memory_bounded() {
    if let Some(dir) = std::env::var_os(CHILD_ROOT) {
        let dir = Path::new(&dir);
        // Exactly MAX_OFFERS over all lists: everything is read, in a few seconds (choosing
        // among the versions of one package was quadratic and took hours at this size).
        let r = debian_report(&dir.join("at")).expect("report");
        assert!(
            !r.warnings.iter().any(|w| w.contains("versions")),
            "{:?}",
            r.warnings
        );
        let newest = format!("2.{}", MAX_OFFERS - 2);
        assert_eq!(
            candidates(&r),
            [("bar".into(), "2.0-2".into()), ("foo".into(), newest)]
        );
        drop(r);
        // One more: the list that passes the cap is not read.
        let r = debian_report(&dir.join("over")).expect("report");
        warned(&r, &[LIST, "versions of installed packages"]);
        assert_eq!(candidates(&r), [("bar".into(), "2.0-2".into())]);
        println!("peak-rss {}", peak_rss());
        return;
    }
    // Each stanza a new version of an installed package: every one would be kept without
    // the cap on offers. With bar's offer, "at" holds exactly MAX_OFFERS offers and "over"
    // one more.
    let dir = tempfile::tempdir().expect("tmp");
    offers_root(&dir.path().join("at"), MAX_OFFERS - 1);
    offers_root(&dir.path().join("over"), MAX_OFFERS + 1);
    let exe = std::env::current_exe().expect("exe");
    let root = dir.path().to_path_buf();
    let child = Command::new(exe)
        .args([
            "--exact",
            "a_bomb_of_distinct_stanzas_keeps_memory_bounded",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ROOT, root)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("child");
    let out = output_within_deadline(child);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak: u64 = stdout
        .lines()
        .find_map(|l| l.split_once("peak-rss ").map(|(_, v)| v))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no measurement in {stdout}"));
    eprintln!("peak RSS {} MiB", peak >> 20);
    assert!(peak < PEAK_RSS, "{} MiB", peak >> 20);
}

#[test]
fn a_sparse_giant_status_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    let status = dir.path().join("var/lib/dpkg/status");
    std::fs::File::create(&status)
        .and_then(|f| f.set_len(2 << 30))
        .expect("sparse");
    let start = Instant::now();
    let err = report(dir.path()).expect_err("too large");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    let text = err.to_string();
    assert!(
        text.contains("var/lib/dpkg/status") && text.contains("2048.0 MiB on disk"),
        "{text}"
    );
    assert!(text.contains(&format!(
        "{:.1} MiB limit",
        MAX_STATUS_BYTES as f64 / 1048576.0
    )));
}

#[test]
fn a_sparse_giant_list_is_a_warning() {
    let dir = tempfile::tempdir().expect("tmp");
    let lists = tree(dir.path());
    std::fs::File::create(lists.join(LIST))
        .and_then(|f| f.set_len(MAX_DECODED_BYTES * 4))
        .expect("sparse");
    let r = report(dir.path()).expect("report");
    warned(&r, &[LIST, "on disk, over the"]);
    assert_eq!(candidates(&r), [("bar".into(), "2.0-2".into())]);
}

#[test]
fn invalid_utf8_costs_one_package_at_most_and_is_said() {
    let dir = tempfile::tempdir().expect("tmp");
    tree(dir.path());
    // A Latin-1 é in foo's description: foo is kept. A 0xff in bar's version: bar is skipped.
    let latin1 = |text: String, byte: u8| -> Vec<u8> {
        text.bytes()
            .map(|b| if b == b'~' { byte } else { b })
            .collect()
    };
    let mut bytes = stanza("dpkg", "1.21.22").into_bytes();
    bytes.extend(latin1(stanza("foo", "1.0-1").replace("test", "caf~"), 0xe9));
    bytes.extend(latin1(stanza("bar", "2.0-1~"), 0xff));
    std::fs::write(dir.path().join("var/lib/dpkg/status"), &bytes).expect("status");
    let r = report(dir.path()).expect("one bad byte does not fail the report");
    let names: Vec<&str> = r.installed.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["dpkg", "foo"]);
    warned(
        &r,
        &["var/lib/dpkg/status", "line 8", "package foo", "replaced"],
    );
    warned(
        &r,
        &[
            "var/lib/dpkg/status",
            "package bar",
            "invalid UTF-8 in Version",
            "skipped",
        ],
    );
    assert_eq!(candidates(&r), [("foo".into(), "1.0-3".into())]);
}

#[test]
fn crlf_files_read_as_their_lf_versions() {
    let lf = tempfile::tempdir().expect("tmp");
    tree(lf.path());
    let crlf = tempfile::tempdir().expect("tmp");
    let lists = tree(crlf.path());
    let to_crlf = |p: &Path| {
        let text = std::fs::read_to_string(p).expect("read");
        std::fs::write(p, text.replace('\n', "\r\n")).expect("write");
    };
    to_crlf(&crlf.path().join("var/lib/dpkg/status"));
    for entry in std::fs::read_dir(&lists).expect("lists") {
        to_crlf(&entry.expect("entry").path());
    }
    let (a, b) = (
        report(lf.path()).expect("lf"),
        report(crlf.path()).expect("crlf"),
    );
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    assert_eq!(a.installed, b.installed);
    assert_eq!(b.installed.len(), 3);
    assert_eq!(a.sources, b.sources);
    assert_eq!(a.updates, b.updates);
    assert_eq!(b.updates.len(), 2);
}

/// An RPM root with an empty rpmdb (made by the real `rpm`).
fn rpm_root(root: &Path) {
    let db = root.join("var/lib/rpm");
    std::fs::create_dir_all(&db).expect("mkdir");
    let ok = Command::new("rpm")
        .arg("--dbpath")
        .arg(&db)
        .arg("--initdb")
        .status()
        .expect("rpm");
    assert!(ok.success());
}

/// A dnf cache directory for repository `id` whose repomd.xml points at `primary`.
fn dnf_repo(root: &Path, id: &str, primary: &str) -> PathBuf {
    let repodata = root
        .join("var/cache/dnf")
        .join(format!("{id}-0123456789abcdef"))
        .join("repodata");
    std::fs::create_dir_all(&repodata).expect("mkdir");
    std::fs::write(
        repodata.join("repomd.xml"),
        format!(
            "<?xml version=\"1.0\"?>\n<repomd xmlns=\"http://linux.duke.edu/metadata/repo\">\n<data type=\"primary\"><location href=\"{primary}\"/></data>\n</repomd>\n"
        ),
    )
    .expect("repomd");
    repodata
}

#[test]
fn hostile_rpm_caches_are_warnings_naming_the_file() {
    use casiscan_core::providers::ospatch::rpm::scan_rpm;
    let dir = tempfile::tempdir().expect("tmp");
    rpm_root(dir.path());
    let fifo = dnf_repo(dir.path(), "fifo", "repodata/primary.xml");
    std::fs::remove_file(fifo.join("repomd.xml")).expect("rm");
    mkfifo(&fifo.join("repomd.xml"));
    let bomb = dnf_repo(dir.path(), "bomb", "repodata/primary.xml.gz");
    std::fs::write(
        bomb.join("primary.xml.gz"),
        gzip_bomb("<package type=\"rpm\"><name>x</name></package>\n", 80),
    )
    .expect("bomb");
    dnf_repo(dir.path(), "escape", "../../../../../../../../dev/zero");
    let plain = dnf_repo(dir.path(), "plain", "repodata/primary.xml");
    std::fs::write(
        plain.join("primary.xml"),
        "<metadata>\r\n<package type=\"rpm\"><name>x</name><arch>noarch</arch><version epoch=\"0\" ver=\"1\" rel=\"1\"/></package>\r\n</metadata>\r\n",
    )
    .expect("primary");
    std::fs::create_dir_all(dir.path().join("etc/dnf")).expect("mkdir");
    mkfifo(&dir.path().join("etc/dnf/dnf.conf"));
    std::fs::create_dir_all(dir.path().join("etc/yum.repos.d/dir.repo")).expect("mkdir");
    let root = dir.path().to_path_buf();
    let scan = within(move || scan_rpm(&root)).expect("scan");
    let has = |needles: &[&str]| {
        assert!(
            scan.warnings
                .iter()
                .any(|w| needles.iter().all(|n| w.contains(n))),
            "no warning with {needles:?} in {:#?}",
            scan.warnings
        );
    };
    has(&["fifo-0123456789abcdef/repodata/repomd.xml", "a FIFO"]);
    has(&["primary.xml.gz", "decompression bomb"]);
    has(&["escape-0123456789abcdef", "leaves the repository directory"]);
    has(&["etc/dnf/dnf.conf", "a FIFO"]);
    has(&["dir.repo", "a directory"]);
    assert_eq!(scan.repos.len(), 1, "{:?}", scan.repos);
    assert!(scan.repos[0].contains("plain-"));
}

#[test]
fn a_fifo_rpmdb_is_an_error_not_a_hang() {
    use casiscan_core::providers::ospatch::rpm::scan_rpm;
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("var/lib/rpm");
    std::fs::create_dir_all(&db).expect("mkdir");
    mkfifo(&db.join("rpmdb.sqlite"));
    let root = dir.path().to_path_buf();
    let err = within(move || scan_rpm(&root)).expect_err("no rpmdb");
    let text = err.to_string();
    assert!(
        text.contains("rpmdb.sqlite") && text.contains("a FIFO"),
        "{text}"
    );
}

//! The nmap provider against the real `nmap`, scanning only loopback ports this test opened
//! (or a network namespace it creates).

use std::io::Write;
use std::net::{TcpListener, UdpSocket};
use std::time::{Duration, Instant};

use casiscan_core::ErrorKind;
use casiscan_core::providers::nmap::NmapProvider;
use casiscan_core::providers::{Provider, ProviderOutput, RunContext, RunRequest};

/// A TCP listener on `addr` that writes `banner` to every connection, until dropped.
fn listen(addr: &str, banner: &'static [u8]) -> u16 {
    let listener = TcpListener::bind(addr).expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let _ = stream.write_all(banner);
        }
    });
    port
}

fn request(target: &str, command: String, timeout: Duration) -> RunRequest {
    RunRequest {
        owner: "admin".into(),
        target: target.parse().expect("target"),
        command,
        timeout,
    }
}

async fn scan(target: &str, command: String) -> ProviderOutput {
    NmapProvider::new()
        .run(
            request(target, command, Duration::from_secs(120)),
            RunContext::detached(),
        )
        .await
        .unwrap_or_else(|e| panic!("scan of {target} failed: {e}"))
}

/// The result as it is stored (JSON text), parsed.
fn stored(out: &ProviderOutput) -> serde_json::Value {
    serde_json::from_str(&out.result.to_stored().expect("stored")).expect("JSON")
}

fn ports(out: &ProviderOutput) -> Vec<(String, String)> {
    stored(out)["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|h| h["ports"].as_array().cloned().unwrap_or_default())
        .map(|p| {
            (
                p["port"].as_str().unwrap_or("").to_string(),
                p["state"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn connect_scan_finds_the_open_port() {
    let port = listen("127.0.0.1:0", b"");
    let out = scan("127.0.0.1", format!("-sT -p {port}")).await;
    assert_eq!(
        ports(&out),
        vec![(format!("{port}/tcp"), "open".to_string())]
    );
    assert_eq!(out.summary, "1 ports found");
    assert_eq!(stored(&out)["hosts"][0]["ip"], "127.0.0.1");
    assert!(
        out.raw_text.contains(&format!("{port}/tcp")),
        "normal output kept: {}",
        out.raw_text
    );
    assert_eq!(stored(&out)["nmap"]["hosts"][0]["ports"][0]["portid"], port);
}

#[tokio::test]
async fn version_detection_reads_the_banner() {
    let port = listen("127.0.0.1:0", b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
    let out = scan("127.0.0.1", format!("-sT -sV -p {port} %s")).await;
    let json = stored(&out);
    let svc = &json["nmap"]["hosts"][0]["ports"][0]["service"];
    assert_eq!(svc["name"], "ssh", "{svc}");
    assert_eq!(svc["product"], "OpenSSH");
    let version = json["hosts"][0]["ports"][0]["version"]
        .as_str()
        .unwrap_or("");
    assert!(version.starts_with("OpenSSH 9.2p1"), "{version}");
}

#[tokio::test]
async fn udp_scan_reports_the_udp_port() {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("udp");
    let port = socket.local_addr().expect("addr").port();
    let out = scan("127.0.0.1", format!("-sU -p {port} --max-retries 1")).await;
    let got = ports(&out);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, format!("{port}/udp"));
    assert!(
        got[0].1.contains("open"),
        "a bound UDP socket is open or open|filtered: {got:?}"
    );
}

#[tokio::test]
async fn ipv6_loopback_is_scanned() {
    let port = listen("[::1]:0", b"");
    let out = scan("::1", format!("-6 -sT -p {port}")).await;
    assert_eq!(stored(&out)["hosts"][0]["ip"], "::1");
    assert_eq!(
        ports(&out),
        vec![(format!("{port}/tcp"), "open".to_string())]
    );
    assert_eq!(
        stored(&out)["nmap"]["hosts"][0]["addresses"][0]["addrtype"],
        "ipv6"
    );
}

/// A network namespace with a veth pair and nothing at 10.99.0.2, removed on drop.
struct Namespace(String);

impl Namespace {
    fn create() -> Option<Namespace> {
        let name = format!("cs{}", std::process::id());
        let ip = |args: &[&str]| {
            std::process::Command::new("ip")
                .args(args)
                .status()
                .is_ok_and(|s| s.success())
        };
        if !ip(&["netns", "add", &name]) {
            return None;
        }
        let ns = Namespace(name.clone());
        let ok = ip(&["-n", &name, "link", "set", "lo", "up"])
            && ip(&[
                "-n", &name, "link", "add", "v0", "type", "veth", "peer", "name", "v1",
            ])
            && ip(&["-n", &name, "addr", "add", "10.99.0.1/24", "dev", "v0"])
            && ip(&["-n", &name, "link", "set", "v0", "up"])
            && ip(&["-n", &name, "link", "set", "v1", "up"]);
        ok.then_some(ns)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.0])
            .status();
    }
}

#[tokio::test]
async fn a_down_host_is_reported_down() {
    let ns = Namespace::create().expect("this test needs `ip netns` (root, iproute2)");
    let dir = tempfile::tempdir().expect("tmp");
    let wrapper = dir.path().join("nmap");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec ip netns exec {} nmap \"$@\"\n", ns.0),
    )
    .expect("write");
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&wrapper)
        .status()
        .expect("chmod");
    // `ip netns exec` mounts and opens /run/netns: it cannot run inside nmap's Landlock confinement.
    let out = NmapProvider::with_binary(&wrapper)
        .unconfined()
        .run(
            request(
                "10.99.0.2",
                "-sn -n -v --max-retries 1".into(),
                Duration::from_secs(60),
            ),
            RunContext::detached(),
        )
        .await
        .expect("scan");
    assert_eq!(
        stored(&out)["hosts"][0]["status"],
        "down",
        "{:?}",
        out.result
    );
    assert_eq!(out.summary, "1 hosts scanned");
    assert_eq!(stored(&out)["nmap"]["runstats"]["hosts"]["down"], 1);
}

fn nmap_running_with(marker: &str) -> bool {
    std::fs::read_dir("/proc")
        .expect("proc")
        .flatten()
        .any(|e| {
            std::fs::read(e.path().join("cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(marker))
                .unwrap_or(false)
        })
}

/// A scan of two opened ports slowed to take many seconds.
fn slow_command(marker_ms: u32) -> String {
    let a = listen("127.0.0.1:0", b"");
    let b = listen("127.0.0.1:0", b"");
    format!("-sT -Pn -p {a},{b} --scan-delay {marker_ms}ms --max-retries 0")
}

#[tokio::test]
async fn cancel_kills_the_process_group() {
    let marker = 30111; // nmap alone would run about a minute: only the kill ends it in time
    let ctx = RunContext::detached();
    let cancel = ctx.cancel.clone();
    let task = tokio::spawn(async move {
        NmapProvider::new()
            .run(
                request("127.0.0.1", slow_command(marker), Duration::from_secs(120)),
                ctx,
            )
            .await
    });
    let marked = format!("{marker}ms");
    assert!(
        running_within(&marked, true, Duration::from_secs(20)).await,
        "nmap should be running"
    );
    let started = Instant::now();
    cancel.cancel();
    let err = task.await.expect("join").expect_err("canceled");
    assert_eq!(err.kind(), ErrorKind::Canceled);
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(
        running_within(&marked, false, Duration::from_secs(5)).await,
        "nmap must be gone"
    );
}

/// Whether, within `deadline`, an nmap process carrying `marked` is seen running (`running`)
/// or seen gone (`!running`).
async fn running_within(marked: &str, running: bool, deadline: Duration) -> bool {
    let began = Instant::now();
    while began.elapsed() < deadline {
        if nmap_running_with(marked) == running {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn timeout_kills_and_reports() {
    let marker = 30222; // as above
    let started = Instant::now();
    let err = NmapProvider::new()
        .run(
            request("127.0.0.1", slow_command(marker), Duration::from_secs(1)),
            RunContext::detached(),
        )
        .await
        .expect_err("times out");
    assert_eq!(err.kind(), ErrorKind::Provider);
    assert!(err.to_string().contains("timed out after 1 s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(
        running_within(&format!("{marker}ms"), false, Duration::from_secs(5)).await,
        "nmap must be gone"
    );
}

#[tokio::test]
async fn missing_nmap_is_a_clear_provider_error() {
    let err = NmapProvider::with_binary("/nonexistent/bin/nmap")
        .run(
            request("127.0.0.1", "-sT -p 1".into(), Duration::from_secs(5)),
            RunContext::detached(),
        )
        .await
        .expect_err("missing");
    assert_eq!(err.kind(), ErrorKind::Provider);
    assert!(err.to_string().contains("not installed"), "{err}");
    assert!(
        !NmapProvider::with_binary("/nonexistent/bin/nmap")
            .available()
            .await
    );
}

#[tokio::test]
async fn hostile_commands_never_start_nmap() {
    let marker = "/tmp/casiscan-must-not-exist";
    for cmd in [
        format!("-oN {marker}"),
        format!("-iL {marker}"),
        format!("--script {marker}.nse"),
    ] {
        let err = NmapProvider::new()
            .run(
                request("127.0.0.1", cmd.clone(), Duration::from_secs(5)),
                RunContext::detached(),
            )
            .await
            .expect_err(&cmd);
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{cmd}");
    }
    assert!(!std::path::Path::new(marker).exists());
    // A target reaches the provider typed: a hostile one cannot even be built.
    let err = "-oN /tmp/x"
        .parse::<casiscan_core::model::Target>()
        .expect_err("target");
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

/// An NSE script that leaves a marker file when nmap runs it.
fn canary_script(dir: &std::path::Path, marker: &std::path::Path) -> std::path::PathBuf {
    let script = dir.join("canary.nse");
    let body = format!(
        "description = \"canary\"\ncategories = {{\"safe\"}}\n\
         prerule = function() return true end\n\
         action = function() local f = io.open(\"{}\", \"w\") f:write(\"ran\") f:close() end\n",
        marker.display()
    );
    std::fs::write(&script, body).expect("script");
    let scripts = dir.join("scripts");
    std::fs::create_dir_all(&scripts).expect("scripts dir");
    std::fs::copy(&script, scripts.join("canary.nse")).expect("copy");
    std::fs::write(
        scripts.join("script.db"),
        "Entry { filename = \"canary.nse\", categories = { \"safe\", } }\n",
    )
    .expect("script.db");
    script
}

#[tokio::test]
async fn no_nse_file_named_by_path_ever_runs() {
    let dir = tempfile::tempdir().expect("tmp");
    let marker = dir.path().join("ran");
    let script = canary_script(dir.path(), &marker);
    let (s, d) = (script.display(), dir.path().display());
    // The script really runs when nmap is given it directly (so the check below can fail).
    let direct = std::process::Command::new("nmap")
        .args(["-sn", "-n", "-Pn", "--script"])
        .arg(&script)
        .arg("127.0.0.1")
        .output()
        .expect("nmap");
    assert!(
        direct.status.success() && marker.exists(),
        "the canary script works"
    );
    std::fs::remove_file(&marker).expect("reset");
    for cmd in [
        format!("-sn --script {s}"),
        format!("-sn --script={s}"),
        format!("-sn -script {s}"),
        format!("-sn --scrip={s}"),
        format!("-sn -scr {s}"),
        format!("-sn -po 0.5 --script {s}"),
        format!("-sn --datadir {d} --script canary"),
        format!("-sn -datad {d} --script canary"),
        format!("-sn --datad={d} -sC"),
        format!("-sn -p -datadir {d} --script canary"),
    ] {
        let err = NmapProvider::new()
            .run(
                request("127.0.0.1", cmd.clone(), Duration::from_secs(30)),
                RunContext::detached(),
            )
            .await
            .expect_err(&cmd);
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{cmd}: {err}");
        assert!(!marker.exists(), "{cmd} ran the script");
    }
}

#[tokio::test]
async fn a_connect_scan_runs_as_an_unprivileged_user() {
    let port = listen("127.0.0.1:0", b"hello\r\n");
    let out = NmapProvider::new()
        .run_as_user("nobody")
        .expect("nobody")
        .run(
            request(
                "127.0.0.1",
                format!("-sT -Pn -n -p {port}"),
                Duration::from_secs(60),
            ),
            RunContext::detached(),
        )
        .await
        .expect("scan as nobody");
    assert!(
        ports(&out).contains(&(format!("{port}/tcp"), "open".to_string())),
        "{}",
        out.raw_text
    );
}

#[tokio::test]
async fn progress_is_published_while_scanning() {
    let ctx = RunContext::detached();
    let mut rx = ctx.progress.subscribe();
    let task = tokio::spawn(async move {
        NmapProvider::new()
            .run(
                request("127.0.0.1", slow_command(1500), Duration::from_secs(60)),
                ctx,
            )
            .await
    });
    tokio::time::timeout(Duration::from_secs(20), rx.changed())
        .await
        .expect("progress within 20 s")
        .expect("sender alive");
    assert!(!rx.borrow().phase.is_empty());
    task.await.expect("join").expect("scan completes");
    let last = rx.borrow().clone();
    assert_eq!(
        (last.percent, last.phase.as_str()),
        (Some(100.0), "Finished")
    );
}

/// A scan too short for any task line still ends with nmap's `<finished>` as its progress.
#[tokio::test]
async fn a_short_scan_ends_with_finished_progress() {
    let port = listen("127.0.0.1:0", b"hello\r\n");
    let ctx = RunContext::detached();
    let rx = ctx.progress.subscribe();
    NmapProvider::new()
        .run(
            request(
                "127.0.0.1",
                format!("-sT -Pn -n -p {port}"),
                Duration::from_secs(60),
            ),
            ctx,
        )
        .await
        .expect("scan");
    let last = rx.borrow().clone();
    assert_eq!(
        (last.percent, last.phase.as_str()),
        (Some(100.0), "Finished")
    );
}

/// XML that breaks off mid-run is a parse error with its line, found while the program still
/// writes (the rest of its 20 MB is drained so that it never blocks on a full pipe).
#[tokio::test]
async fn malformed_xml_is_a_parse_error_while_the_rest_is_drained() {
    let dir = tempfile::tempdir().expect("tmp");
    let fake = dir.path().join("nmap");
    std::fs::write(
        &fake,
        "#!/bin/sh\nprintf '<nmaprun>\\n<host></hots>\\n'\n\
         head -c 20000000 /dev/zero | tr '\\000' x\nexit 0\n",
    )
    .expect("write");
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&fake)
        .status()
        .expect("chmod");
    let started = Instant::now();
    let err = NmapProvider::with_binary(&fake)
        .unconfined()
        .run(
            request("127.0.0.1", "-sT -p 1".into(), Duration::from_secs(60)),
            RunContext::detached(),
        )
        .await
        .expect_err("malformed XML");
    assert_eq!(err.kind(), ErrorKind::Parse, "{err}");
    assert!(err.to_string().contains("line 2"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

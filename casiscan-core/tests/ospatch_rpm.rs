//! RPM backend against the real rpm: version comparison oracle, a real rpmdb and a createrepo_c repository.

use std::cmp::Ordering;
use std::path::Path;
use std::process::Command;

use casiscan_core::providers::ospatch::rpm::{
    Evr, KernelState, VersionLock, compare_evr, kernel_state, parse_header, parse_primary,
    parse_updateinfo, read_repo, read_rpmdb, rpm_available_rows, rpm_installed_rows, rpm_summary,
    rpm_updates, scan_rpm,
};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn piece(r: &mut Rng) -> String {
    const ATOMS: &[&str] = &[
        "0",
        "1",
        "2",
        "9",
        "10",
        "01",
        "007",
        "a",
        "b",
        "rc",
        "git",
        "alpha",
        "~",
        "^",
        ".",
        "_",
        "+",
        "~rc1",
        "^git1",
        "18446744073709551616",
    ];
    let n = 1 + r.below(5);
    (0..n)
        .map(|_| ATOMS[r.below(ATOMS.len() as u64) as usize])
        .collect()
}

fn version(r: &mut Rng) -> String {
    let mut s = String::new();
    if r.below(4) == 0 {
        s.push_str(&format!("{}:", r.below(3)));
    }
    s.push_str(&format!("{}", r.below(3)));
    s.push_str(&piece(r));
    if r.below(3) != 0 {
        s.push('-');
        s.push_str(&format!("{}", r.below(3)));
        s.push_str(&piece(r));
    }
    s
}

fn mutate(r: &mut Rng, v: &str) -> String {
    let mut s = v.to_string();
    match r.below(4) {
        0 => s.push_str(&piece(r)),
        1 if s.len() > 1 => {
            s.pop();
        }
        2 => s = s.replacen('.', "_", 1),
        _ => s.push_str("~1"),
    }
    if s.is_empty() || s.ends_with('-') || s.ends_with(':') {
        s.push('1');
    }
    s
}

#[test]
fn evr_comparison_agrees_with_real_rpm_on_generated_pairs() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let mut pairs = Vec::new();
    while pairs.len() < 1500 {
        let a = version(&mut r);
        let b = if r.below(2) == 0 {
            mutate(&mut r, &a)
        } else {
            version(&mut r)
        };
        pairs.push((a, b));
    }
    for (a, b) in [
        ("1.0", "1.0-1"),
        ("1.0~rc1", "1.0"),
        ("1.0^git1", "1.0.1"),
        ("1.0a", "1.0.a"),
    ] {
        pairs.push((a.into(), b.into()));
    }
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("pairs.tsv");
    let lua = dir.path().join("cmp.lua");
    let body: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
    std::fs::write(&tsv, body).unwrap();
    std::fs::write(
        &lua,
        format!(
            "for line in io.lines({:?}) do local t = {{}} for f in string.gmatch(line, \"[^\\t]+\") do t[#t+1] = f end io.write(tostring(rpm.vercmp(t[1], t[2])), \"\\n\") end",
            tsv.display().to_string()
        ),
    )
    .unwrap();
    let out = Command::new("rpm")
        .arg("--eval")
        .arg(format!("%{{lua: dofile({:?})}}", lua.display().to_string()))
        .output()
        .expect("rpm must be installed (scripts/install-ospatch-test-deps.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<i32> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert_eq!(answers.len(), pairs.len());
    let mut wrong = Vec::new();
    for ((a, b), want) in pairs.iter().zip(&answers) {
        let got = match compare_evr(&Evr::parse(a), &Evr::parse(b)) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        };
        if got != *want {
            wrong.push(format!("{a} vs {b}: rpm {want}, ours {got}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn build_rpm(top: &Path, name: &str, version: &str, release: &str, arch: &str) {
    let spec = top.join(format!("{name}-{version}-{release}-{arch}.spec"));
    std::fs::write(
        &spec,
        format!(
            "Name: {name}\nVersion: {version}\nRelease: {release}\nSummary: t\nLicense: MIT\n\
             %if \"{arch}\" == \"noarch\"\nBuildArch: noarch\n%endif\n%description\nt\n%files\n"
        ),
    )
    .expect("spec written");
    let mut cmd = Command::new("rpmbuild");
    cmd.arg("-bb")
        .arg("--quiet")
        .arg("--define")
        .arg(format!("_topdir {}", top.display()));
    if arch != "noarch" {
        cmd.arg("--target").arg(arch);
    }
    let out = cmd.arg(&spec).output().expect("rpmbuild");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn rpm_file(top: &Path, name: &str, version: &str, release: &str, arch: &str) -> String {
    top.join(format!("RPMS/{arch}/{name}-{version}-{release}.{arch}.rpm"))
        .display()
        .to_string()
}

const UPDATEINFO: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="lab" status="final" type="security" version="2">
    <id>LAB-2024:0001</id><title>demo security &amp; fixes</title>
    <issued date="2024-01-02 00:00:00"/><severity>Important</severity>
    <references>
      <reference href="https://example.invalid/1" id="CVE-2024-0001" type="cve" title="x"/>
      <reference href="https://example.invalid/2" id="CVE-2024-0002" type="cve" title="y"/>
      <reference href="https://example.invalid/b" id="123" type="bugzilla" title="z"/>
    </references>
    <pkglist><collection short="lab"><name>lab</name>
      <package name="demo" epoch="0" version="1.1" release="1" arch="noarch" src="demo-1.1-1.src.rpm">
        <filename>demo-1.1-1.noarch.rpm</filename><reboot_suggested>True</reboot_suggested>
      </package>
    </collection></pkglist>
  </update>
  <update from="lab" status="final" type="bugfix" version="2">
    <id>LAB-2024:0003</id><title>tool bugfix</title><severity>None</severity>
    <pkglist><collection short="lab"><name>lab</name>
      <package name="tool" epoch="0" version="2.1" release="1" arch="noarch"><filename>t</filename></package>
    </collection></pkglist>
  </update>
  <update from="lab" status="final" type="security" version="2">
    <id>LAB-2023:0099</id><title>old, already applied</title><severity>Critical</severity>
    <pkglist><collection short="lab"><name>lab</name>
      <package name="tool" epoch="0" version="1.5" release="1" arch="noarch"><filename>t</filename></package>
    </collection></pkglist>
  </update>
</updates>
"#;

#[test]
fn real_rpmdb_and_createrepo_repository_give_updates_with_advisories() {
    let top = tempfile::tempdir().unwrap();
    let t = top.path();
    for (n, v) in [
        ("demo", "1.0"),
        ("demo", "1.1"),
        ("demo", "1.2"),
        ("tool", "2.0"),
        ("tool", "2.1"),
        ("same", "1.0"),
    ] {
        build_rpm(t, n, v, "1", "noarch");
    }
    build_rpm(t, "kernel", "6.1", "1", "x86_64");
    build_rpm(t, "kernel", "6.2", "1", "x86_64");
    build_rpm(t, "demo", "9.9", "1", "noarch");
    let db = t.join("root/var/lib/rpm");
    std::fs::create_dir_all(&db).unwrap();
    let installed = [
        rpm_file(t, "demo", "1.0", "1", "noarch"),
        rpm_file(t, "tool", "2.0", "1", "noarch"),
        rpm_file(t, "same", "1.0", "1", "noarch"),
        rpm_file(t, "kernel", "6.1", "1", "x86_64"),
        rpm_file(t, "kernel", "6.2", "1", "x86_64"),
    ];
    let out = Command::new("rpm")
        .arg("--dbpath")
        .arg(&db)
        .args([
            "-i",
            "--justdb",
            "--nodeps",
            "--ignorearch",
            "--ignoreos",
            "--oldpackage",
        ])
        .args(&installed)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let repo = t.join("root/var/cache/dnf/lab-0123456789abcdef");
    std::fs::create_dir_all(&repo).unwrap();
    for f in [
        rpm_file(t, "demo", "1.1", "1", "noarch"),
        rpm_file(t, "demo", "1.2", "1", "noarch"),
        rpm_file(t, "tool", "2.1", "1", "noarch"),
        rpm_file(t, "same", "1.0", "1", "noarch"),
        rpm_file(t, "kernel", "6.1", "1", "x86_64"),
    ] {
        std::fs::copy(&f, repo.join(Path::new(&f).file_name().unwrap())).unwrap();
    }
    assert!(
        Command::new("createrepo_c")
            .arg("-q")
            .arg(&repo)
            .status()
            .unwrap()
            .success()
    );
    let ui = t.join("updateinfo.xml");
    std::fs::write(&ui, UPDATEINFO).unwrap();
    let out = Command::new("modifyrepo_c")
        .args(["--mdtype=updateinfo"])
        .arg(&ui)
        .arg(repo.join("repodata"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let pkgs = read_rpmdb(&db.join("rpmdb.sqlite")).unwrap();
    let names: Vec<String> = pkgs
        .iter()
        .map(|p| format!("{}-{}.{}", p.name, p.evr, p.arch))
        .collect();
    assert_eq!(
        names,
        [
            "demo-1.0-1.noarch",
            "kernel-6.1-1.x86_64",
            "kernel-6.2-1.x86_64",
            "same-1.0-1.noarch",
            "tool-2.0-1.noarch"
        ]
    );
    assert!(pkgs[0].install_time.is_some());

    let r = read_repo(&repo).unwrap();
    assert!(r.has_updateinfo);
    assert_eq!(r.packages.len(), 5);
    let ups = rpm_updates(&pkgs, &r.packages, &r.advisories, &VersionLock::default());
    let brief: Vec<_> = ups
        .iter()
        .map(|u| {
            (
                u.name.as_str(),
                u.installed_version.as_str(),
                u.candidate_version.as_str(),
                u.is_security,
            )
        })
        .collect();
    // kernel: the newest installed (6.2) is newer than the repo's 6.1 → no update.
    assert_eq!(
        brief,
        [
            ("demo", "1.0-1", "1.2-1", true),
            ("tool", "2.0-1", "2.1-1", false)
        ]
    );
    let demo = &ups[0];
    assert_eq!(demo.advisories, ["LAB-2024:0001"]);
    assert_eq!(demo.severity.as_deref(), Some("Important"));
    assert_eq!(demo.cve_ids, ["CVE-2024-0001", "CVE-2024-0002"]);
    assert!(demo.reboot_suggested);
    assert_eq!(
        ups[1].advisories,
        ["LAB-2024:0003"],
        "the applied 2023 advisory is out of range"
    );

    // The whole root: a disabled repo offering demo 9.9 is ignored, a broken one is a warning.
    let root = t.join("root");
    let old = root.join("var/cache/dnf/old-fedcba9876543210");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::copy(
        rpm_file(t, "demo", "9.9", "1", "noarch"),
        old.join("demo-9.9-1.noarch.rpm"),
    )
    .unwrap();
    assert!(
        Command::new("createrepo_c")
            .arg("-q")
            .arg(&old)
            .status()
            .unwrap()
            .success()
    );
    std::fs::create_dir_all(root.join("etc/yum.repos.d")).unwrap();
    std::fs::write(
        root.join("etc/yum.repos.d/lab.repo"),
        "[lab]\nbaseurl=file:///x\nenabled=1\n\n[old]\nbaseurl=file:///y\nenabled=0\n",
    )
    .unwrap();
    let broken = root.join("var/cache/dnf/broken-aaaaaaaaaaaaaaaa/repodata");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(
        broken.join("repomd.xml"),
        r#"<repomd><data type="primary"><location href="repodata/gone-primary.xml.gz"/></data></repomd>"#,
    )
    .unwrap();
    let scan = scan_rpm(&root).unwrap();
    assert_eq!(scan.installed.len(), 5);
    assert_eq!(scan.updates, ups);
    assert_eq!(scan.repos.len(), 1, "{:?}", scan.repos);
    assert!(!scan.security_known);
    assert_eq!(scan.warnings.len(), 1, "{:?}", scan.warnings);
    assert!(
        scan.warnings[0].contains("gone-primary.xml.gz"),
        "{:?}",
        scan.warnings
    );
    std::fs::remove_dir_all(root.join("var/cache/dnf/broken-aaaaaaaaaaaaaaaa")).unwrap();
    assert!(scan_rpm(&root).unwrap().security_known);
    let clean = scan_rpm(&root).unwrap();
    // The same root through the provider: the RPM backend is chosen when there is no dpkg.
    {
        use casiscan_core::providers::ospatch::OsPatchProvider;
        use casiscan_core::providers::{Provider, RunContext, RunRequest};
        let provider = OsPatchProvider::with_root(&root);
        let rt = tokio::runtime::Runtime::new().unwrap();
        assert!(rt.block_on(provider.available()));
        let request = RunRequest {
            owner: "admin".into(),
            target: "127.0.0.1".parse().expect("target"),
            command: "all".into(),
            timeout: std::time::Duration::from_secs(60),
        };
        let out = rt
            .block_on(provider.run(request, RunContext::detached()))
            .unwrap();
        let casiscan_core::model::ScanResult::OsPatch(result) = &out.result else {
            panic!("an OS patch result");
        };
        let report = result.report.as_ref().unwrap();
        assert_eq!(
            report.backend,
            casiscan_core::providers::ospatch::Backend::Rpm
        );
        let found = casiscan_core::lifecycle::ospatch_detections(report);
        let brief: Vec<_> = found
            .iter()
            .map(|d| (d.title.as_str(), d.severity))
            .collect();
        assert_eq!(
            brief,
            [(
                "LAB-2024:0001: security update for demo missing",
                casiscan_core::model::Severity::High
            )],
            "the advisory's Important rating; the bugfix advisory is no finding"
        );
        assert!(
            found[0].found_on.starts_with("pkg:rpm/demo@"),
            "{}",
            found[0].found_on
        );
        assert_eq!(
            result.patches.len(),
            clean.updates.len() + clean.installed.len()
        );
        assert_eq!(
            out.summary,
            format!("{} available patches found", clean.updates.len())
        );
    }
    assert_eq!(
        kernel_state(&clean.installed, "6.2-1.x86_64"),
        KernelState::Current
    );
    assert_eq!(
        kernel_state(&clean.installed, "6.1-1.x86_64").reboot_required(),
        Some(true)
    );
    assert_eq!(
        kernel_state(&clean.installed, "6.18.44-fc-v657"),
        KernelState::Unknown
    );
    assert_eq!(
        kernel_state(&clean.installed[..1], "6.2-1.x86_64").reboot_required(),
        None
    );
    let rows = rpm_available_rows(&clean);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].kb, "LAB-2024:0001");
    assert_eq!(rows[0].categories, "Security Updates, Important");
    assert!(rows[0].reboot_required);
    assert_eq!(rows[0].status, "Available");
    assert_eq!(rpm_installed_rows(&clean).len(), 5);
    assert_eq!(rpm_installed_rows(&clean)[0].title, "demo-1.0-1.noarch");
    assert_eq!(
        rpm_summary(&clean),
        serde_json::json!({"installedCount": 5, "updatesCount": 2, "securityUpdatesCount": 1})
    );
    assert_eq!(
        rpm_summary(&scan)["securityUpdatesCount"],
        serde_json::Value::Null
    );
    std::fs::write(root.join("etc/yum.repos.d/lab.repo"), "[old]\nenabled=1\n").unwrap();
    let with_old = scan_rpm(&root).unwrap();
    assert_eq!(
        with_old.updates[0].candidate_version, "9.9-1",
        "enabling the repo must change the candidate"
    );
    std::fs::remove_file(db.join("rpmdb.sqlite")).unwrap();
    let e = scan_rpm(&root).unwrap_err();
    assert!(e.to_string().contains("rpmdb.sqlite"), "{e}");
}

#[test]
fn broken_inputs_are_errors_naming_the_file() {
    assert!(parse_header(&[0, 0, 0, 2, 0, 0, 0, 9]).is_err());
    assert!(parse_header(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]).is_err());
    // One entry pointing outside the data store.
    let mut blob = vec![0, 0, 0, 1, 0, 0, 0, 4];
    blob.extend_from_slice(&[0, 0, 3, 232, 0, 0, 0, 6, 0, 0, 0, 9, 0, 0, 0, 1]);
    blob.extend_from_slice(b"abc\0");
    assert!(parse_header(&blob).is_err());
    let e = parse_primary(b"<metadata><package><name>x</name>", "primary.xml").unwrap_err();
    assert!(e.to_string().contains("primary.xml"), "{e}");
    let e = parse_updateinfo(b"\x28\xb5\x2f\xfd....", "ui.xml.zst").unwrap_err();
    assert!(e.to_string().contains("zstd"), "{e}");
    let e = parse_updateinfo(b"<html/>", "ui.xml").unwrap_err();
    assert!(e.to_string().contains("ui.xml"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let e = read_rpmdb(&dir.path().join("rpmdb.sqlite")).unwrap_err();
    assert!(e.to_string().contains("rpmdb.sqlite"), "{e}");
    std::fs::write(
        dir.path().join("junk.sqlite"),
        b"not a database at all, really not",
    )
    .unwrap();
    let e = read_rpmdb(&dir.path().join("junk.sqlite")).unwrap_err();
    assert!(e.to_string().contains("junk.sqlite"), "{e}");
    let e = read_repo(dir.path()).unwrap_err();
    assert!(e.to_string().contains("repomd.xml"), "{e}");
}

fn install_justdb(db: &Path, files: &[String]) {
    std::fs::create_dir_all(db).expect("db dir");
    let out = Command::new("rpm")
        .arg("--dbpath")
        .arg(db)
        .args(["-i", "--justdb", "--nodeps", "--ignorearch", "--ignoreos"])
        .args(files)
        .output()
        .expect("rpm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn make_repo(dir: &Path, files: &[String]) {
    std::fs::create_dir_all(dir).expect("repo dir");
    for f in files {
        std::fs::copy(f, dir.join(Path::new(f).file_name().expect("name"))).expect("copy");
    }
    let ok = Command::new("createrepo_c")
        .arg("-q")
        .arg(dir)
        .status()
        .expect("createrepo_c");
    assert!(ok.success());
}

#[test]
fn dnf_priorities_excludes_and_version_locks_pick_dnfs_candidate() {
    let top = tempfile::tempdir().expect("tempdir");
    let t = top.path();
    let builds = [
        ("web", "1.0"),
        ("web", "1.1"),
        ("lib", "1.0"),
        ("lib", "1.0.5"),
        ("lib", "1.1"),
        ("ext", "1.0"),
        ("ext", "2.0"),
        ("cli", "1.0"),
        ("cli", "1.2"),
    ];
    for (n, v) in builds {
        build_rpm(t, n, v, "1", "noarch");
    }
    let f = |n: &str, v: &str| rpm_file(t, n, v, "1", "noarch");
    let root = t.join("root");
    install_justdb(
        &root.join("var/lib/rpm"),
        &[
            f("web", "1.0"),
            f("lib", "1.0"),
            f("ext", "1.0"),
            f("cli", "1.0"),
        ],
    );
    let cache = root.join("var/cache/dnf");
    make_repo(
        &cache.join("base-0123456789abcdef"),
        &[
            f("web", "1.1"),
            f("lib", "1.1"),
            f("ext", "2.0"),
            f("cli", "1.2"),
        ],
    );
    make_repo(&cache.join("extra-fedcba9876543210"), &[f("lib", "1.0.5")]);
    let candidates = |root: &Path| {
        let scan = scan_rpm(root).expect("scan");
        scan.updates
            .iter()
            .map(|u| (u.name.clone(), u.candidate_version.clone(), u.held))
            .collect::<Vec<_>>()
    };
    let plain = candidates(&root);
    let owned = |v: &[(&str, &str, bool)]| {
        v.iter()
            .map(|(n, c, h)| (n.to_string(), c.to_string(), *h))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        plain,
        owned(&[
            ("cli", "1.2-1", false),
            ("ext", "2.0-1", false),
            ("lib", "1.1-1", false),
            ("web", "1.1-1", false)
        ]),
        "without configuration the newest version wins"
    );

    std::fs::create_dir_all(root.join("etc/yum.repos.d")).expect("mkdir");
    std::fs::create_dir_all(root.join("etc/dnf/plugins")).expect("mkdir");
    std::fs::write(
        root.join("etc/yum.repos.d/lab.repo"),
        "[base]\nenabled=1\nexcludepkgs=cli-1.2*\n\n[extra]\nenabled=1\npriority=10\n",
    )
    .expect("repo file");
    std::fs::write(root.join("etc/dnf/dnf.conf"), "[main]\nexcludepkgs=ext\n").expect("dnf.conf");
    std::fs::write(
        root.join("etc/dnf/plugins/versionlock.list"),
        "# dnf versionlock add web\nweb-0:1.0-1.*\n",
    )
    .expect("locks");
    assert_eq!(
        candidates(&root),
        owned(&[("lib", "1.0.5-1", false), ("web", "1.1-1", true)]),
        "priority 10 hides base's lib 1.1; ext and cli 1.2 are excluded; web is locked at 1.0"
    );
    let scan = scan_rpm(&root).expect("scan");
    let rows = rpm_available_rows(&scan);
    assert_eq!(rows[1].status, "Held");

    std::fs::write(
        root.join("etc/dnf/plugins/versionlock.conf"),
        "[main]\nenabled=0\n",
    )
    .expect("conf");
    assert_eq!(
        candidates(&root),
        owned(&[("lib", "1.0.5-1", false), ("web", "1.1-1", false)]),
        "a disabled plugin locks nothing"
    );
}

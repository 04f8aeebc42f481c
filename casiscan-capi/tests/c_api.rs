//! Compiles the C test program against libcasiscan.a and the committed header, then runs it
//! plainly, under AddressSanitizer + UBSan, and under valgrind; also the C quickstart and a
//! C++ syntax check of the header.

use std::path::{Path, PathBuf};
use std::process::Command;

fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf()
}

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn compile(source: &Path, out: &Path, extra: &[&str]) {
    let lib = target_dir().join("libcasiscan.a");
    assert!(
        lib.exists(),
        "{} was not built: run `cargo build -p casiscan-capi` first (scripts/test.sh does)",
        lib.display()
    );
    let status = Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .args(extra)
        .arg("-I")
        .arg(crate_dir().join("include"))
        .arg(source)
        .arg(&lib)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(out)
        .status()
        .expect("gcc");
    assert!(status.success(), "compiling {} failed", source.display());
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd:?} failed:\n{stdout}\n{stderr}");
    stdout
}

fn test_program(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    let exe = dir.path().join("test_api");
    compile(&crate_dir().join("tests/c/test_api.c"), &exe, extra);
    (dir, exe)
}

/// The shared table of nmap commands casiscan must refuse (issue 23).
fn hostile_table() -> PathBuf {
    crate_dir().join("../casiscan-core/tests/data/hostile_nmap_commands.txt")
}

/// The committed OS patch roots (Debian, RPM) and recorded Windows Update output.
fn ospatch_testdata() -> PathBuf {
    crate_dir().join("../casiscan-core/testdata/ospatch")
}

fn assert_all_passed(stdout: &str) {
    let line = stdout.lines().last().unwrap_or("");
    assert!(line.ends_with(" passed, 0 failed"), "{stdout}");
}

#[test]
fn c_tests_pass() {
    let (dir, exe) = test_program(&[]);
    assert_all_passed(&run(Command::new(&exe)
        .arg(dir.path())
        .arg(hostile_table())
        .arg(ospatch_testdata())));
}

#[test]
fn c_tests_pass_under_asan_and_ubsan() {
    let (dir, exe) = test_program(&[
        "-fsanitize=address,undefined",
        "-fno-omit-frame-pointer",
        "-fno-sanitize-recover=all",
    ]);
    assert_all_passed(&run(Command::new(&exe)
        .arg(dir.path())
        .arg(hostile_table())
        .arg(ospatch_testdata())
        .env("ASAN_OPTIONS", "detect_leaks=1")));
}

#[test]
fn c_tests_pass_under_valgrind() {
    let (dir, exe) = test_program(&[]);
    let stdout = run(Command::new("valgrind")
        .args([
            "-q",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite",
            "--error-exitcode=1",
        ])
        .arg(&exe)
        .arg(dir.path())
        .arg(hostile_table())
        .arg(ospatch_testdata()));
    assert_all_passed(&stdout);
}

#[test]
fn header_is_valid_cpp() {
    let status = Command::new("g++")
        .args([
            "-std=c++17",
            "-fsyntax-only",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-x",
            "c++",
        ])
        .arg(crate_dir().join("include/casiscan.h"))
        .status()
        .expect("g++");
    assert!(status.success());
}

#[test]
fn c_quickstart_runs() {
    let dir = tempfile::tempdir().expect("tmp");
    let exe = dir.path().join("quickstart");
    compile(&crate_dir().join("../examples/c/quickstart.c"), &exe, &[]);
    let xml = dir.path().join("scan.xml");
    std::fs::write(&xml, "<nmaprun><host><address addr=\"192.0.2.1\"/><ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/></port></ports></host></nmaprun>").expect("xml");
    let stdout = run(Command::new(&exe).arg(&xml).arg(dir.path().join("q.db")));
    assert!(stdout.contains("host 192.0.2.1: 1 port(s)"), "{stdout}");
    assert!(stdout.contains("\"name\":\"quickstart\""), "{stdout}");
}

//! Confines nmap's file access with Landlock: it reads its program, libraries and data, and
//! writes only its private working directory, so a smuggled file option fails in the kernel too.
//!
//! The child is started from a fresh thread that confines itself first: a Landlock domain is
//! per thread and inherited by the processes it starts, so neither the runner nor any other
//! thread is confined. Kernels without Landlock run nmap unconfined (reported, and logged).

use std::path::{Path, PathBuf};

use landlock::{
    ABI, Access, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    path_beneath_rules,
};
use tokio::process::{Child, Command};

/// How far the kernel confined the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confinement {
    /// Every requested file-access restriction holds.
    Full,
    /// The kernel's Landlock is older: some restrictions hold.
    Partial,
    /// No Landlock on this kernel: the child runs unconfined.
    None,
    /// The operator turned confinement off (e.g. nmap behind a wrapper that needs more).
    Disabled,
}

/// Read-only (and executable) trees nmap needs: its program, libraries and data files.
const READ_TREES: &[&str] = &["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/opt"];

/// System files nmap and its libraries read: resolver, services, TLS, time zone, kernel state.
const READ_FILES: &[&str] = &[
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/host.conf",
    "/etc/nsswitch.conf",
    "/etc/gai.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/localtime",
    "/etc/ssl/certs",
    "/etc/ssl/openssl.cnf",
    "/etc/nmap",
    "/proc",
    "/sys",
    "/dev/urandom",
    "/dev/random",
];

/// Device files nmap may write to.
const WRITE_FILES: &[&str] = &["/dev/null"];

/// An unprivileged account nmap runs as (the operator's choice; needed where Landlock is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunAs {
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

impl RunAs {
    /// The account named `user` on this machine.
    pub fn user(user: &str) -> crate::Result<RunAs> {
        let found = nix::unistd::User::from_name(user)
            .map_err(|e| crate::Error::invalid(format!("nmap user `{user}`"), e.to_string()))?
            .ok_or_else(|| crate::Error::invalid(format!("nmap user `{user}`"), "no such user"))?;
        Ok(RunAs {
            uid: found.uid.as_raw(),
            gid: found.gid.as_raw(),
        })
    }
}

/// The paths a confined nmap may use, beyond the fixed system lists above.
#[derive(Debug, Clone)]
pub struct FileRules {
    /// The nmap binary's directory (when it lives outside the system trees).
    pub program_dir: Option<PathBuf>,
    /// The scan's private working directory: read and write.
    pub workdir: PathBuf,
}

/// The thread that started a child: the child is killed when it ends (`PR_SET_PDEATHSIG`), so it
/// is kept parked until this guard is dropped, after the child has been waited for. If the whole
/// runner process dies (even by `kill -9`) the thread dies with it and so does the child.
#[derive(Debug)]
pub struct ParentThread {
    _release: std::sync::mpsc::Sender<()>,
}

/// Spawns the command `build` makes, confined, from a new thread that stays parked (holding the
/// child's parent-death link) until the returned [`ParentThread`] is dropped.
///
/// `rules` of `None` spawns unconfined ([`Confinement::Disabled`]). Either way the child gets
/// `SIGKILL` as soon as its parent dies, so it never outlives a killed runner.
pub async fn spawn_confined(
    rules: Option<FileRules>,
    build: impl FnOnce() -> Command + Send + 'static,
) -> std::io::Result<(Child, Confinement, ParentThread)> {
    let runtime = tokio::runtime::Handle::try_current()
        .map_err(|e| std::io::Error::other(format!("no async runtime: {e}")))?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (release, parked) = std::sync::mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("casiscan-nmap-parent".into())
        .spawn(move || {
            let _entered = runtime.enter();
            let confined = match &rules {
                Some(rules) => confine_this_thread(rules),
                None => Ok(Confinement::Disabled),
            };
            let spawned = confined.and_then(|confinement| {
                let mut cmd = build();
                casiscan_process::kill_when_parent_dies(&mut cmd);
                cmd.spawn().map(|child| (child, confinement))
            });
            let started = spawned.is_ok();
            let _ = tx.send(spawned);
            if started {
                // Parked until the guard's sender is dropped: the child's parent must live.
                let _ = parked.recv();
            }
        })?;
    let (child, confinement) = rx
        .await
        .map_err(|_| std::io::Error::other("the spawning thread ended without an answer"))??;
    Ok((child, confinement, ParentThread { _release: release }))
}

/// Confines the calling thread (and what it starts) to `rules`.
fn confine_this_thread(rules: &FileRules) -> std::io::Result<Confinement> {
    let abi = ABI::V5;
    let read = AccessFs::from_read(abi);
    let all = AccessFs::from_all(abi);
    let write_device = AccessFs::WriteFile | AccessFs::ReadFile;
    // No execute, devices, FIFOs, sockets or links in the private directory.
    let private = AccessFs::ReadFile
        | AccessFs::ReadDir
        | AccessFs::WriteFile
        | AccessFs::RemoveFile
        | AccessFs::RemoveDir
        | AccessFs::MakeReg
        | AccessFs::MakeDir
        | AccessFs::Truncate;
    let program_dir: Vec<&Path> = rules.program_dir.iter().map(PathBuf::as_path).collect();
    let status = Ruleset::default()
        .handle_access(all)
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(path_beneath_rules(READ_TREES, read)))
        .and_then(|r| r.add_rules(path_beneath_rules(READ_FILES, read)))
        .and_then(|r| r.add_rules(path_beneath_rules(&program_dir, read)))
        .and_then(|r| r.add_rules(path_beneath_rules(WRITE_FILES, write_device)))
        .and_then(|r| r.add_rules(path_beneath_rules([&rules.workdir], private)))
        .and_then(|r| r.restrict_self())
        .map_err(|e| std::io::Error::other(format!("cannot confine nmap with Landlock: {e}")))?;
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => Confinement::Full,
        RulesetStatus::PartiallyEnforced => Confinement::Partial,
        RulesetStatus::NotEnforced => Confinement::None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn run_confined(workdir: &Path, program: &str, args: &[&str]) -> (bool, String) {
        let rules = Some(FileRules {
            program_dir: None,
            workdir: workdir.to_path_buf(),
        });
        let program = program.to_string();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let (child, confinement, _parent) = spawn_confined(rules, move || {
            let mut cmd = Command::new(program);
            cmd.args(args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            cmd
        })
        .await
        .unwrap();
        assert_eq!(confinement, Confinement::Full, "this kernel has Landlock");
        let out = child.wait_with_output().await.unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    #[tokio::test]
    async fn a_confined_child_reads_only_what_nmap_needs() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret");
        std::fs::write(&secret, "top secret\n").unwrap();
        let workdir = tempfile::tempdir().unwrap();
        let inside = workdir.path().join("mine");
        std::fs::write(&inside, "mine\n").unwrap();
        let secret_arg = secret.to_str().unwrap();
        let (ok, out) = run_confined(workdir.path(), "cat", &[secret_arg]).await;
        assert!(!ok && out.is_empty(), "the secret was read: {out}");
        let (ok, out) = run_confined(workdir.path(), "cat", &[inside.to_str().unwrap()]).await;
        assert!(ok && out == "mine\n");
        let (ok, _) = run_confined(workdir.path(), "cat", &["/etc/hosts"]).await;
        assert!(ok, "system files nmap needs stay readable");
        let written = outside.path().join("written");
        let script = format!("echo x > {}", written.display());
        let (ok, _) = run_confined(workdir.path(), "sh", &["-c", &script]).await;
        assert!(
            !ok && !written.exists(),
            "a write outside the workdir happened"
        );
        // The runner itself is not confined.
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "top secret\n");
    }

    #[tokio::test]
    async fn a_confined_nmap_cannot_read_a_target_list_or_write_outside() {
        let outside = tempfile::tempdir().unwrap();
        let list = outside.path().join("targets");
        std::fs::write(&list, "127.0.0.1\n").unwrap();
        let out_file = outside.path().join("out.txt");
        let workdir = tempfile::tempdir().unwrap();
        let list_arg = format!("--iL={}", list.display());
        let (ok, out) = run_confined(workdir.path(), "nmap", &["-sL", "-n", &list_arg]).await;
        assert!(!ok, "nmap read a file outside its sandbox: {out}");
        let out_arg = format!("--oN={}", out_file.display());
        let (ok, _) = run_confined(
            workdir.path(),
            "nmap",
            &["-sL", "-n", &out_arg, "127.0.0.1"],
        )
        .await;
        assert!(!ok && !out_file.exists(), "nmap wrote outside its sandbox");
        let inside = format!("--oN={}", workdir.path().join("n.txt").display());
        let (ok, out) =
            run_confined(workdir.path(), "nmap", &["-sL", "-n", &inside, "127.0.0.1"]).await;
        assert!(ok && out.contains("127.0.0.1"), "nmap works inside: {out}");
    }
}

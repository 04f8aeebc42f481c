//! Whether dpkg's locks are held (another apt, dpkg or unattended-upgrades is running).

use std::path::{Path, PathBuf};

/// dpkg's lock files under a root, front-end lock first.
const DPKG_LOCKS: [&str; 2] = ["var/lib/dpkg/lock-frontend", "var/lib/dpkg/lock"];

/// A held lock: its file and the holder's process id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldLock {
    /// The lock file.
    pub path: PathBuf,
    /// The process holding it (`0` when the kernel does not say).
    pub pid: i32,
}

impl std::fmt::Display for HeldLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the dpkg lock {} is held by process {}",
            self.path.display(),
            self.pid
        )
    }
}

/// The first dpkg lock under `root` another process holds, if any (a missing file is free).
pub fn held_dpkg_lock(root: &Path) -> Option<HeldLock> {
    DPKG_LOCKS.iter().find_map(|p| held(&root.join(p)))
}

/// Asks the kernel who would block a write lock on `path` (`F_GETLK`; takes no lock).
#[cfg(unix)]
fn held(path: &Path) -> Option<HeldLock> {
    use nix::fcntl::{FcntlArg, fcntl};
    use std::os::fd::AsFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .ok()?;
    let mut probe = libc::flock {
        l_type: libc::F_WRLCK as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: 0,
        l_len: 0,
        l_pid: 0,
    };
    fcntl(file.as_fd(), FcntlArg::F_GETLK(&mut probe)).ok()?;
    (probe.l_type != libc::F_UNLCK as libc::c_short).then(|| HeldLock {
        path: path.to_path_buf(),
        pid: probe.l_pid,
    })
}

/// dpkg exists only on unix.
#[cfg(not(unix))]
fn held(_path: &Path) -> Option<HeldLock> {
    None
}

/// apt's own words for a lock it could not take (a race with the check above).
pub fn apt_lock_message(stderr: &str) -> Option<&str> {
    stderr
        .lines()
        .find(|l| l.contains("Could not get lock") || l.contains("Unable to acquire the dpkg"))
}

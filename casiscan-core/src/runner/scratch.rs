//! A worker's own scratch directory: every run's private working directory lives under it, and
//! the next start of a worker with the same name removes what a killed one left behind.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The scratch directory of the worker named `name` under `base` (the system temp directory by
/// default): `casiscan-worker-<name>`, with characters other than `[A-Za-z0-9._-]` as `_`.
pub fn scratch_path(base: &Path, name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    base.join(format!("casiscan-worker-{safe}"))
}

/// Prepares the scratch directory `dir` of a worker of this name and returns this process's own
/// place in it, `dir/<pid>`, empty.
///
/// What workers of this name left there is removed, except the places of those still running
/// (several workers may share a name on one host: each keeps its own `<pid>` place). `dir` is
/// made if missing; a symlink or file there is removed, never followed; a directory owned by
/// another user is refused. Both are traversable but not listable by others (an unprivileged
/// nmap account reaches only its own working directory inside).
pub fn prepare_scratch(dir: &Path) -> Result<PathBuf> {
    let failed = |what: &str, e: std::io::Error| {
        Error::invalid(
            format!("worker scratch directory {}", dir.display()),
            format!("cannot {what}: {e}"),
        )
    };
    own_directory(dir).map_err(|e| failed("use it", e))?;
    let me = std::process::id();
    for entry in std::fs::read_dir(dir).map_err(|e| failed("list it", e))? {
        let entry = entry.map_err(|e| failed("list it", e))?;
        let pid = entry.file_name().to_string_lossy().parse::<u32>().ok();
        if pid.is_some_and(|pid| pid != me && process_alive(pid)) {
            continue;
        }
        remove_entry(&entry.path()).map_err(|e| failed("remove what a stopped worker left", e))?;
    }
    let mine = dir.join(me.to_string());
    std::fs::create_dir(&mine).map_err(|e| failed("create this worker's place", e))?;
    set_mode(&mine).map_err(|e| failed("set its permissions", e))?;
    Ok(mine)
}

/// Makes `dir` a directory of this user (created if missing; a link or file there removed).
fn own_directory(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => {
            if meta.uid() != nix::unistd::geteuid().as_raw() {
                return Err(std::io::Error::other("it belongs to another user"));
            }
        }
        Ok(_) => {
            std::fs::remove_file(dir)?;
            create_new_dir(dir)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_new_dir(dir)?,
        Err(e) => return Err(e),
    }
    set_mode(dir)
}

/// `create_dir`, not `create_dir_all`: a link put there meanwhile makes it fail; a directory
/// made meanwhile by a worker of the same name is fine.
fn create_new_dir(dir: &Path) -> std::io::Result<()> {
    match std::fs::create_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            if std::fs::symlink_metadata(dir)?.is_dir() {
                Ok(())
            } else {
                Err(e)
            }
        }
        other => other,
    }
}

fn set_mode(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o711))
}

/// Removes a directory tree, or a file or link (never following it).
fn remove_entry(path: &Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(path)?.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

/// True while a process with this id runs on this machine.
fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restart_removes_what_a_stopped_worker_left_but_not_a_running_ones() {
        let base = tempfile::tempdir().unwrap();
        let dir = scratch_path(base.path(), "runner 1/../x");
        assert_eq!(
            dir.file_name().unwrap(),
            "casiscan-worker-runner_1_.._x",
            "no path separators survive"
        );
        let mine = prepare_scratch(&dir).unwrap();
        let left = mine.join("casiscan-nmap-abc");
        std::fs::create_dir(&left).unwrap();
        std::fs::write(left.join("normal.txt"), "partial").unwrap();
        // A dead worker's place (no process 4194304+ exists: above Linux's pid limit).
        let dead = dir.join("4194305");
        std::fs::create_dir(&dead).unwrap();
        // A running worker of the same name: pid 1 is always alive.
        let running = dir.join("1");
        std::fs::create_dir(&running).unwrap();
        let again = prepare_scratch(&dir).unwrap();
        assert_eq!(again, mine);
        assert!(mine.is_dir() && !left.exists() && !dead.exists());
        assert!(running.exists(), "a live worker's place is kept");
        assert_eq!(std::fs::read_dir(&mine).unwrap().count(), 0);
    }

    #[test]
    fn a_planted_symlink_is_removed_not_followed() {
        let base = tempfile::tempdir().unwrap();
        let victim = tempfile::tempdir().unwrap();
        std::fs::write(victim.path().join("keep"), "x").unwrap();
        let dir = scratch_path(base.path(), "w");
        std::os::unix::fs::symlink(victim.path(), &dir).unwrap();
        prepare_scratch(&dir).unwrap();
        assert!(victim.path().join("keep").exists(), "followed the link");
        assert!(!std::fs::symlink_metadata(&dir).unwrap().is_symlink());
    }
}

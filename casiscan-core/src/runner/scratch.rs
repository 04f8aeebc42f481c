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

/// Removes what an earlier worker of this name left at `dir` (a symlink is removed, never
/// followed) and makes it again, empty, owned by this process, traversable but not listable by
/// others (an unprivileged nmap account reaches only its own directory inside).
pub fn prepare_scratch(dir: &Path) -> Result<()> {
    let failed = |what: &str, e: std::io::Error| {
        Error::invalid(
            format!("worker scratch directory {}", dir.display()),
            format!("cannot {what}: {e}"),
        )
    };
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => {
            std::fs::remove_dir_all(dir).map_err(|e| failed("remove the old one", e))?;
        }
        Ok(_) => std::fs::remove_file(dir).map_err(|e| failed("remove what is there", e))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(failed("inspect it", e)),
    }
    // `create_dir`, not `create_dir_all`: someone racing to put a link there makes this fail.
    std::fs::create_dir(dir).map_err(|e| failed("create it", e))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o711))
        .map_err(|e| failed("set its permissions", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restart_removes_what_a_killed_worker_left() {
        let base = tempfile::tempdir().unwrap();
        let dir = scratch_path(base.path(), "runner 1/../x");
        assert_eq!(
            dir.file_name().unwrap(),
            "casiscan-worker-runner_1_.._x",
            "no path separators survive"
        );
        prepare_scratch(&dir).unwrap();
        let left = dir.join("casiscan-nmap-abc");
        std::fs::create_dir(&left).unwrap();
        std::fs::write(left.join("normal.txt"), "partial").unwrap();
        prepare_scratch(&dir).unwrap();
        assert!(dir.is_dir() && !left.exists());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
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

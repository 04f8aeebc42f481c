//! Waking this process's waiting workers when a scan is queued (other processes poll).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, Weak};

use tokio::sync::Notify;

use crate::model::{Scan, ScanState};

/// The queued-work signal shared by every store this process opens on the same file.
pub(super) fn work_signal(path: &Path) -> Arc<Notify> {
    static SIGNALS: LazyLock<Mutex<HashMap<PathBuf, Weak<Notify>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    if path.as_os_str() == ":memory:" {
        return Arc::new(Notify::new());
    }
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut signals = SIGNALS.lock().unwrap_or_else(|p| p.into_inner());
    signals.retain(|_, signal| signal.strong_count() > 0);
    if let Some(signal) = signals.get(&key).and_then(Weak::upgrade) {
        return signal;
    }
    let signal = Arc::new(Notify::new());
    signals.insert(key, Arc::downgrade(&signal));
    signal
}

/// Wakes `work`'s waiters when `scan` was just queued.
pub(super) fn announce(work: &Notify, scan: &Scan) {
    if scan.state == ScanState::Pending {
        work.notify_one();
        work.notify_waiters();
    }
}

//! Child processes that die with their parent: the one place casiscan needs `unsafe` for
//! processes (a `pre_exec` hook), kept out of `casiscan-core`, which forbids unsafe code.
//!
//! Linux sends the parent-death signal when the *thread* that forked the child ends, so the
//! caller must spawn from a thread that lives as long as the child (casiscan parks one).

use tokio::process::Command;

/// Makes the child `cmd` starts ask the kernel for `SIGKILL` when its parent thread ends (Linux
/// `PR_SET_PDEATHSIG`); a child whose parent is already gone when it starts exits at once.
///
/// Kept across `execve` of an ordinary program; cleared by the kernel for a set-user-ID program
/// or one with file capabilities. A user change made by `Command::uid` happens before the hook,
/// so it does not clear it.
pub fn kill_when_parent_dies(cmd: &mut Command) {
    let parent = nix::unistd::Pid::this();
    // SAFETY: the hook runs in the child between fork and exec, where only async-signal-safe
    // calls are allowed: it makes two system calls (prctl, getppid) and may call _exit; it
    // allocates nothing and takes no lock.
    unsafe {
        cmd.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                .map_err(std::io::Error::from)?;
            if nix::unistd::getppid() != parent {
                // SAFETY: _exit is async-signal-safe and ends the child without running
                // anything of the parent's (no atexit handlers, no buffered output).
                libc::_exit(137);
            }
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn alive(pid: u32) -> bool {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // A zombie (state Z) is dead; its entry stays until it is reaped.
        !stat.is_empty() && !stat.contains(") Z ")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_child_is_killed_when_the_thread_that_started_it_ends() {
        let handle = tokio::runtime::Handle::current();
        let (child, untied) = std::thread::spawn(move || {
            let _entered = handle.enter();
            let mut tied = Command::new("sleep");
            tied.arg("30");
            kill_when_parent_dies(&mut tied);
            let mut untied = Command::new("sleep");
            untied.arg("30").kill_on_drop(true);
            (tied.spawn().unwrap(), untied.spawn().unwrap())
        })
        .join()
        .unwrap();
        let (tied_pid, untied_pid) = (child.id().unwrap(), untied.id().unwrap());
        let start = Instant::now();
        while alive(tied_pid) && start.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            !alive(tied_pid),
            "the tied child outlived its parent thread"
        );
        assert!(
            alive(untied_pid),
            "without the hook a child lives on (control)"
        );
        drop(untied);
        drop(child);
    }
}

//! Process hardening (docs/THREAT-MODEL.md, "Hygiene"): no core dumps, not ptrace-attachable by the
//! same user, so secret buffers do not end up on disk or in another process. Best effort: a
//! platform that refuses is not a reason to refuse the user.

/// Turns core dumps and same-user ptrace off for this process.
///
/// Only the soft core-size limit is lowered: the hard one is left as it was, because a program
/// `exec` runs inherits both, and it may raise its own soft limit again if it wants core dumps.
pub fn process() {
    let core = rustix::process::getrlimit(rustix::process::Resource::Core);
    let _ = rustix::process::setrlimit(
        rustix::process::Resource::Core,
        rustix::process::Rlimit {
            current: Some(0),
            maximum: core.maximum,
        },
    );
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
}

/// Closes every file descriptor above standard error that this process inherited (a
/// long-running process started by a short one keeps nothing of its caller's open). Call first
/// thing, before anything of this process's own is opened.
#[allow(unsafe_code)]
pub fn close_inherited_files() {
    // SAFETY: close_range(2) on descriptors 3 and up, which nothing in this process owns yet (the
    // caller's contract): no live Rust object is left holding a closed descriptor.
    unsafe {
        libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
    }
}

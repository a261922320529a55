//! Process hardening (SPEC §10): no core dumps, not ptrace-attachable by the same user, so secret
//! buffers do not end up on disk or in another process. Best effort: a platform that refuses is
//! not a reason to refuse the user.

pub fn process() {
    let _ = rustix::process::setrlimit(
        rustix::process::Resource::Core,
        rustix::process::Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    );
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
}

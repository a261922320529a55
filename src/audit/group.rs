//! Group commit: many threads appending small batches of entries, each needing its own entries
//! durable before it goes on, share `fsync`s.
//!
//! The broker writes one entry per request and may forward a request only once that entry is on
//! disk. One append per request (lock, read the log's tail, write, `fsync`) caps a run at a few
//! hundred requests a second on an ordinary disk. Here one writer thread takes every batch that
//! arrived while the previous append was in flight and appends them all with one write and one
//! `fsync`, under one hold of the vault lock; each caller waits for the append that holds its
//! entries, and no longer. Entries keep the order in which their callers handed them over.
//!
//! A failed append fails every batch in it (none of them was made durable), and callers must act
//! as if their entries were never written: the broker refuses the request.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::Event;
use crate::clock::Clock;
use crate::error::{Error, Result};

/// Batches appended together at most (a bound on one write's size, not on throughput).
const MAX_BATCHES: usize = 4096;

/// How long entries nobody waits for may wait for others before they are written on their own.
const LINGER: std::time::Duration = std::time::Duration::from_millis(100);

/// Appends the entries of `jobs` with one write and one `fsync`, and tells each waiter where its
/// entries landed (or why they did not).
fn write(dir: &std::path::Path, now: chrono::DateTime<chrono::Utc>, mut jobs: Vec<Job>) {
    let sizes: Vec<usize> = jobs.iter().map(|j| j.events.len()).collect();
    let events: Vec<Event> = jobs
        .iter_mut()
        .flat_map(|j| std::mem::take(&mut j.events))
        .collect();
    let total = events.len() as u64;
    let written = crate::vault::lock::VaultLock::acquire(dir)
        .and_then(|_lock| super::append(dir, now, &events))
        .map_err(|e| Arc::<str>::from(e.to_string()));
    let mut next = written.as_ref().map_or(0, |head| head.seq + 1 - total);
    for (job, size) in jobs.into_iter().zip(sizes) {
        if let Some(done) = job.done {
            let _ = done.send(written.clone().map(|_| next));
        }
        next += size as u64;
    }
}

/// The sequence number of a batch's first entry, or why the append failed.
type Done = mpsc::SyncSender<std::result::Result<u64, Arc<str>>>;

struct Job {
    events: Vec<Event>,
    /// Where to say that the entries are durable; none for entries nobody waits on.
    done: Option<Done>,
}

/// The shared writer. Dropping it writes what is queued and stops the thread.
pub struct GroupLog {
    tx: Mutex<Option<mpsc::Sender<Job>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl GroupLog {
    /// Starts the writer for the vault in `dir`.
    pub fn start(dir: PathBuf, clock: Arc<dyn Clock>) -> GroupLog {
        let (tx, rx) = mpsc::channel::<Job>();
        let worker = std::thread::Builder::new()
            .name("audit-group".into())
            .spawn(move || {
                let mut pending: Vec<Job> = Vec::new();
                loop {
                    // Entries nobody waits for wait for company: they go with the next entries
                    // someone does wait for, or after LINGER, so a lone request pays one `fsync`,
                    // not also one for the response before it.
                    let next = if pending.is_empty() {
                        rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected)
                    } else {
                        rx.recv_timeout(LINGER)
                    };
                    let stopping = match next {
                        Ok(job) => {
                            pending.push(job);
                            pending.extend(rx.try_iter().take(MAX_BATCHES));
                            let waited_on = pending.iter().any(|j| j.done.is_some());
                            if !waited_on && pending.len() < MAX_BATCHES {
                                continue;
                            }
                            false
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => false,
                        Err(mpsc::RecvTimeoutError::Disconnected) => true,
                    };
                    if !pending.is_empty() {
                        write(&dir, clock.now(), std::mem::take(&mut pending));
                    }
                    if stopping {
                        break;
                    }
                }
            })
            .expect("spawning the audit writer thread");
        GroupLog {
            tx: Mutex::new(Some(tx)),
            worker: Mutex::new(Some(worker)),
        }
    }

    fn send(&self, job: Job) -> Result<()> {
        let tx = self
            .tx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tx.as_ref()
            .and_then(|tx| tx.send(job).ok())
            .ok_or_else(|| Error::other("the audit log writer has stopped"))
    }

    /// Appends `events` and returns once they are durable, with the sequence number of the first
    /// (or the append failed: then nothing of them was written).
    pub fn append(&self, events: Vec<Event>) -> Result<u64> {
        let (done, wait) = mpsc::sync_channel(1);
        self.send(Job {
            events,
            done: Some(done),
        })?;
        match wait.recv() {
            Ok(Ok(seq)) => Ok(seq),
            Ok(Err(e)) => Err(Error::other(format!("cannot write the audit log: {e}"))),
            Err(_) => Err(Error::other("the audit log writer has stopped")),
        }
    }

    /// Queues `events` to go with the next append someone waits for (or within [`LINGER`]),
    /// without waiting for them. Lost if the process dies first: only for entries that follow one
    /// already durable.
    pub fn append_later(&self, events: Vec<Event>) {
        let _ = self.send(Job { events, done: None });
    }

    /// Writes everything queued and stops the writer. Later appends fail.
    pub fn close(&self) {
        self.tx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(worker) = self
            .worker
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        {
            let _ = worker.join();
        }
    }
}

impl Drop for GroupLog {
    fn drop(&mut self) {
        self.close();
    }
}

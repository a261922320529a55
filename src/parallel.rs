//! Independent work spread over the machine's cores, for the bulk paths: an applied policy signs
//! and encrypts thousands of agent envelopes in one commit.

/// Fewer items than this per thread are not worth one.
const MIN_ITEMS: usize = 16;

/// `f` of every item, in order, computed on up to as many threads as the process may use.
pub fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(items.len() / MIN_ITEMS)
        .min(16);
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let mut items = items.into_iter();
    let mut parts: Vec<Vec<T>> = (0..threads)
        .map(|_| items.by_ref().take(chunk).collect())
        .collect();
    let first = parts.remove(0);
    let f = &f;
    std::thread::scope(|scope| {
        let rest: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out: Vec<R> = first.into_iter().map(f).collect();
        for part in rest {
            match part.join() {
                Ok(done) => out.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// Drops `value` on a thread of its own, so that the caller does not wait while a large
/// structure is freed (and a process that exits first never frees it). Only for data that holds
/// no secret: a secret is wiped when dropped, which must not be skipped.
pub fn drop_later<T: Send + 'static>(value: T) {
    // If no thread can be started, the closure, and `value` with it, is dropped here.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_items() {
        for n in [0, 1, 15, 16, 17, 33, 1000] {
            let items: Vec<usize> = (0..n).collect();
            assert_eq!(
                super::map(items.clone(), |i| i * 2),
                items.iter().map(|i| i * 2).collect::<Vec<_>>()
            );
        }
    }
}

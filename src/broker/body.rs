//! The bodies the broker streams: a request body counted on its way up, and a response body
//! counted, optionally filtered, and reported to the gate when it ends, on its way down. Neither
//! is ever held whole: each frame is passed on as it arrives.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};

use super::Outcome;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A streaming filter over a response: `feed` returns what may be passed on now (it may hold
/// back a tail that could be the start of a match), `finish` returns the rest at the end and
/// leaves the filter ready for another stream. Response header values are each passed through
/// `feed` then `finish` before the body starts. The output masker is one.
pub trait BodyFilter: Send {
    fn feed(&mut self, chunk: &[u8]) -> Vec<u8>;
    fn finish(&mut self) -> Vec<u8>;
}

impl BodyFilter for crate::exec::mask::Masker {
    fn feed(&mut self, chunk: &[u8]) -> Vec<u8> {
        crate::exec::mask::Masker::feed(self, chunk)
    }

    fn finish(&mut self) -> Vec<u8> {
        crate::exec::mask::Masker::finish(self)
    }
}

/// A request body on its way upstream, counting its bytes.
pub(crate) struct Counted {
    inner: Incoming,
    count: Arc<AtomicU64>,
}

impl Counted {
    pub(crate) fn new(inner: Incoming, count: Arc<AtomicU64>) -> Counted {
        Counted { inner, count }
    }
}

impl Body for Counted {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if let Some(Ok(f)) = &frame
            && let Some(data) = f.data_ref()
        {
            self.count.fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pub(crate) type OnEnd = Box<dyn FnOnce(Outcome) + Send>;

/// What the client receives: a refusal or error the broker wrote, or the upstream's body.
pub(crate) enum ProxyBody {
    Full(Option<Bytes>),
    Upstream(Box<Tracked>),
}

impl ProxyBody {
    pub(crate) fn full(bytes: impl Into<Bytes>) -> ProxyBody {
        ProxyBody::Full(Some(bytes.into()))
    }

    pub(crate) fn empty() -> ProxyBody {
        ProxyBody::Full(None)
    }
}

impl Body for ProxyBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            ProxyBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            ProxyBody::Upstream(t) => Pin::new(t.as_mut()).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ProxyBody::Full(b) => b.is_none(),
            ProxyBody::Upstream(t) => t.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ProxyBody::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            ProxyBody::Full(None) => SizeHint::with_exact(0),
            ProxyBody::Upstream(t) => t.size_hint(),
        }
    }
}

/// The upstream's response body: counted, filtered when a filter is set, and reported through
/// `on_end` exactly once (at its end, on an error, or when the client goes away and it is
/// dropped).
pub(crate) struct Tracked {
    inner: Incoming,
    filter: Option<Box<dyn BodyFilter>>,
    /// The filter's last output, to send once the upstream's body has ended.
    tail: Option<Bytes>,
    ended: bool,
    started: Instant,
    outcome: Outcome,
    bytes_up: Arc<AtomicU64>,
    on_end: Option<OnEnd>,
}

impl Tracked {
    pub(crate) fn new(
        inner: Incoming,
        filter: Option<Box<dyn BodyFilter>>,
        started: Instant,
        outcome: Outcome,
        bytes_up: Arc<AtomicU64>,
        on_end: OnEnd,
    ) -> Tracked {
        Tracked {
            inner,
            filter,
            tail: None,
            ended: false,
            started,
            outcome,
            bytes_up,
            on_end: Some(on_end),
        }
    }

    fn report(&mut self, error: Option<String>) {
        if let Some(on_end) = self.on_end.take() {
            let mut outcome = std::mem::take(&mut self.outcome);
            outcome.error = error;
            outcome.bytes_up = self.bytes_up.load(Ordering::Relaxed);
            outcome.total = self.started.elapsed();
            on_end(outcome);
        }
    }
}

impl Body for Tracked {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        loop {
            if this.ended {
                return Poll::Ready(this.tail.take().map(|b| Ok(Frame::data(b))));
            }
            match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    let data = match frame.into_data() {
                        Ok(data) => data,
                        // Trailers pass as they are, unless the response is filtered: the
                        // filter reads data, so trailers it cannot read are dropped.
                        Err(_) if this.filter.is_some() => continue,
                        Err(frame) => return Poll::Ready(Some(Ok(frame))),
                    };
                    this.outcome.bytes_down += data.len() as u64;
                    // A server that knows the body is complete may not poll for its end: the
                    // last frame is where it ends, then.
                    let last = this.inner.is_end_stream();
                    let data = match &mut this.filter {
                        None => data,
                        Some(f) => {
                            let mut out = f.feed(&data);
                            if last {
                                out.extend(f.finish());
                            }
                            Bytes::from(out)
                        }
                    };
                    if last {
                        this.ended = true;
                        this.report(None);
                    }
                    if data.is_empty() {
                        continue;
                    }
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Some(Err(e)) => {
                    this.ended = true;
                    this.report(Some(format!("the upstream's response failed: {e}")));
                    return Poll::Ready(Some(Err(Box::new(e))));
                }
                None => {
                    this.ended = true;
                    if let Some(f) = &mut this.filter {
                        let rest = f.finish();
                        if !rest.is_empty() {
                            this.tail = Some(Bytes::from(rest));
                        }
                    }
                    this.report(None);
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended && self.tail.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match self.filter {
            None => self.inner.size_hint(),
            // A filter may change the length.
            Some(_) => SizeHint::default(),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if self.on_end.is_some() {
            self.report(Some(
                "the client went away before the response ended".into(),
            ));
        }
    }
}

//! The body of a response: one buffer sent whole, or a stream written while it is
//! sent. Starlette's `Response` and `StreamingResponse`.
//!
//! A Starlette `StreamingResponse` takes an async iterator and sends each chunk it
//! yields as an HTTP/1.1 chunk, awaiting the socket in between: when the client stops
//! reading, the socket's buffer fills, `send` waits, and the iterator is not asked for
//! more. That is backpressure, and it is what keeps a slow client from making the
//! server hold a whole table. [`Body::stream`] is the same bargain: the producer gets a
//! [`BodySender`] whose [`send`](BodySender::send) returns only once hyper has taken the
//! previous chunk, which hyper does only when it can write it out. If the producer
//! fails half-way it calls [`abort`](BodySender::abort): hyper then closes the
//! connection without the terminating zero-length chunk, so no client can mistake a
//! truncated body for a whole one (Starlette lets the exception kill the connection to
//! the same effect).

use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::body::{Bytes, Frame, SizeHint};
use tokio::sync::mpsc;

/// The body of every response this server sends.
pub enum Body {
    /// Sent as is, with a `content-length`; `None` once hyper has taken it.
    Whole(Option<Bytes>),
    /// Chunks from a producer task, sent with `transfer-encoding: chunked`.
    Stream(mpsc::Receiver<Result<Bytes, StreamAborted>>),
}

/// The error hyper sees when a producer gives up: it makes hyper drop the connection.
#[derive(Debug)]
pub struct StreamAborted(pub String);

impl std::fmt::Display for StreamAborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "response stream aborted: {}", self.0)
    }
}

impl std::error::Error for StreamAborted {}

/// The producer's end of a [`Body::Stream`].
pub struct BodySender(mpsc::Sender<Result<Bytes, StreamAborted>>);

/// The client has gone (or hyper dropped the response): stop producing.
#[derive(Debug)]
pub struct ClientGone;

impl Body {
    /// A body sent whole.
    pub fn whole(bytes: impl Into<Bytes>) -> Body {
        Body::Whole(Some(bytes.into()))
    }

    /// A streamed body and the sender that feeds it. The channel holds one chunk: the
    /// producer is at most one chunk ahead of what hyper has taken.
    pub fn stream() -> (Body, BodySender) {
        let (sender, receiver) = mpsc::channel(1);
        (Body::Stream(receiver), BodySender(sender))
    }
}

impl BodySender {
    /// Hands `chunk` to hyper, waiting until it has room for it (backpressure).
    pub async fn send(&self, chunk: Bytes) -> Result<(), ClientGone> {
        self.0.send(Ok(chunk)).await.map_err(|_| ClientGone)
    }

    /// Ends the response as broken: the connection is closed with the body incomplete.
    pub async fn abort(self, reason: String) {
        let _ = self.0.send(Err(StreamAborted(reason))).await;
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = StreamAborted;

    /// hyper asks for the next frame by polling: `Poll::Ready` has one (`None`: the
    /// end), `Poll::Pending` means not yet, and `cx` holds the waker that wakes this
    /// connection's task when it comes. `Pin` promises the body stays where it is while
    /// polled. Every `async fn` compiles to such a function; asyncio hides it in its loop.
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamAborted>>> {
        match self.get_mut() {
            Body::Whole(bytes) => Poll::Ready(bytes.take().map(|bytes| Ok(Frame::data(bytes)))),
            // `None` (the sender dropped) is the end of the body.
            Body::Stream(chunks) => chunks
                .poll_recv(cx)
                .map(|chunk| chunk.map(|chunk| chunk.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Whole(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len()) as u64)
            }
            Body::Stream(_) => SizeHint::default(),
        }
    }
}

//! A connection must make write progress or go: the guard around each client socket.
//!
//! uvicorn (through h11 and asyncio) has a keep-alive timeout and a limit on how much
//! it buffers, but a client that sends a request and never reads the answer holds its
//! connection for as long as it likes: asyncio's transport just pauses the writer.
//! nginx's `send_timeout` is the fix this file copies: if the client takes nothing for
//! [`WRITE_STALL_LIMIT`] while we have bytes for it, the connection is closed. hyper's
//! own timers cover the other phases (the header read timeout, which also bounds an
//! idle keep-alive connection; the body read timeout lives in `http/request_body.rs`).
//!
//! [`WriteDeadline`] wraps the socket that hyper writes to. Every write the kernel
//! accepts (even partly) is progress and disarms the timer; a write that would block
//! arms it; a write still blocked when it fires fails with `TimedOut`, and hyper ends
//! the connection. A pipelining client that never reads is cut the same way: its
//! answers pile up until the socket is full, then the timer runs.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep, sleep};

/// How long a response may wait for the client to take any of it.
pub const WRITE_STALL_LIMIT: Duration = Duration::from_secs(10);

/// A socket whose writes fail once they have made no progress for a while.
pub struct WriteDeadline<S> {
    inner: S,
    limit: Duration,
    /// Runs while a write is blocked; made on the first stall, then reused.
    timer: Option<Pin<Box<Sleep>>>,
    stalled: bool,
}

impl<S> WriteDeadline<S> {
    pub fn new(inner: S, limit: Duration) -> WriteDeadline<S> {
        WriteDeadline {
            inner,
            limit,
            timer: None,
            stalled: false,
        }
    }

    /// What to tell hyper about a write that the socket could not take: keep waiting,
    /// or, once the limit has passed since the stall began, give up.
    fn blocked<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let deadline = Instant::now() + self.limit;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(sleep(self.limit)));
        if !self.stalled {
            self.stalled = true;
            timer.as_mut().reset(deadline);
        }
        ready!(timer.as_mut().poll(cx));
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client took none of the response for the write-stall limit",
        )))
    }

    /// Progress or a real error: either way, the stall (if any) is over.
    fn done<T>(&mut self, outcome: io::Result<T>) -> Poll<io::Result<T>> {
        self.stalled = false;
        Poll::Ready(outcome)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(outcome) => this.done(outcome),
            Poll::Pending => this.blocked(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(outcome) => this.done(outcome),
            Poll::Pending => this.blocked(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(outcome) => this.done(outcome),
            Poll::Pending => this.blocked(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_shutdown(cx) {
            Poll::Ready(outcome) => this.done(outcome),
            Poll::Pending => this.blocked(cx),
        }
    }
}

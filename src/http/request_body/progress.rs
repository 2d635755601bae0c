//! Reading a body while it makes progress: the body's slow-client timeout.
//!
//! uvicorn reads a body as slowly as the client sends it, with no timeout at all.
//! nginx's `client_body_timeout` (60 s by default) is "set only for a period between
//! two successive read operations, not for the transmission of the whole request
//! body", and Apache's `mod_reqtimeout` adds a minimum rate on top. This file does
//! both, in nginx's terms: [`BodyLimits::idle`] is the longest wait for the next part
//! of the body, and [`BodyLimits::total`] a cap on the whole body, which nginx does
//! not have. The cap is there because a body is small (at most `MAX_BODY_BYTES`):
//! with the idle limit alone, a client dripping one byte every 9 s would hold its
//! connection, descriptor and task for a week (64 KiB × 9 s); with the cap, the
//! largest body must average about 1 KiB/s. Honest clients never come near it: the
//! idle limit is what they meet, and only when they stop.
//!
//! A limit on the whole body would also cut honest clients when the *server* is slow:
//! on a starved machine, bodies sent in 1-byte chunks by clients that kept sending took
//! longer than such a limit to be read (docs/reliability.md has the run). Measuring the
//! time since the last frame arrived does not depend on how fast the server reads: a
//! frame waiting in the socket is progress as soon as the task runs.

use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::{Body, Bytes};
use tokio::time::{Instant, sleep_until};

use crate::http::error::ApiError;

/// The two limits on reading a body; [`BODY_LIMITS`] in the server.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Longest wait for the next part of the body (nginx's `client_body_timeout`).
    pub idle: Duration,
    /// Longest the whole body may take, however steadily it comes.
    pub total: Duration,
}

/// 10 s without a byte (the header and write-stall limits are 10 s too); a minute
/// for the whole body, six idle periods.
pub const BODY_LIMITS: BodyLimits = BodyLimits {
    idle: Duration::from_secs(10),
    total: Duration::from_secs(60),
};

/// Copies the body's frames into one buffer as they arrive, refusing it (413) as soon
/// as it passes `max` bytes and answering 408 once it stalls for `limits.idle` or
/// runs past `limits.total`. A client that sends 60 KB as 60,000 one-byte chunks costs
/// 60 KB here, not 60,000 frames kept one by one (what `BodyExt::collect` keeps until
/// the end). `capacity` is the declared length, if any, so the usual body is one
/// allocation; without one the buffer doubles up to the limit.
pub async fn collect<B>(
    mut body: B,
    capacity: usize,
    max: usize,
    limits: BodyLimits,
) -> Result<Vec<u8>, ApiError>
where
    B: Body<Data = Bytes> + Unpin,
{
    let started = Instant::now();
    let cap = started + limits.total;
    let mut last_frame = started;
    // One timer for the whole body, moved on only when it fires: resetting it on
    // every frame would register and cancel a timer per byte in a 1-byte-chunk flood,
    // while reading the clock costs a few nanoseconds.
    let timer = sleep_until((started + limits.idle).min(cap));
    tokio::pin!(timer);
    let mut bytes = Vec::with_capacity(capacity.min(max));
    loop {
        tokio::select! {
            // A frame that is ready wins over a timer that fired at the same time.
            biased;
            frame = body.frame() => {
                let Some(frame) = frame else { break };
                // The client broke the body off or sent invalid chunked framing.
                let frame = frame.map_err(|_| ApiError::UnreadableBody)?;
                last_frame = Instant::now();
                // Trailers (the other kind of frame) carry nothing we read.
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                if bytes.len() + data.len() > max {
                    return Err(ApiError::PayloadTooLarge { limit: max });
                }
                bytes.extend_from_slice(&data);
            }
            () = &mut timer => {
                let due = (last_frame + limits.idle).min(cap);
                if Instant::now() >= due {
                    return Err(ApiError::BodyTimeout);
                }
                // Frames came since the timer was set: wait for the idle limit after
                // the last of them.
                timer.as_mut().reset(due);
            }
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    //! The rule at a tenth of a second instead of ten: the bodies come from a channel
    //! that a spawned task feeds at its own pace (the waits are the client's pace, the
    //! behaviour under test). The real limits against the real server are in
    //! `tests/reliability_input/slow_clients.rs`.

    use std::convert::Infallible;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use hyper::body::Frame;
    use tokio::sync::mpsc;
    use tokio::time::sleep;

    use super::*;

    const LIMITS: BodyLimits = BodyLimits {
        idle: Duration::from_millis(300),
        total: Duration::from_millis(1500),
    };
    const EVERY: Duration = Duration::from_millis(50);

    /// A body whose frames are whatever the other end of the channel sends.
    struct Channel(mpsc::Receiver<Bytes>);

    impl Body for Channel {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            self.0
                .poll_recv(cx)
                .map(|byte| byte.map(|b| Ok(Frame::data(b))))
        }
    }

    /// Sends `count` one-byte frames, one per [`EVERY`], then keeps the body open for
    /// `then_hold` (a client that stops) before ending it.
    fn drip(count: usize, then_hold: Duration) -> Channel {
        let (send, receive) = mpsc::channel(1);
        tokio::spawn(async move {
            for _ in 0..count {
                sleep(EVERY).await;
                if send.send(Bytes::from_static(b"x")).await.is_err() {
                    return;
                }
            }
            sleep(then_hold).await;
        });
        Channel(receive)
    }

    #[tokio::test]
    async fn a_steady_body_is_read_past_the_idle_limit() {
        // 16 bytes over 0.8 s: well past the 0.3 s idle limit in total.
        let started = Instant::now();
        let body = collect(drip(16, Duration::ZERO), 0, 1024, LIMITS).await;
        assert_eq!(body.ok().map(|b| b.len()), Some(16));
        assert!(started.elapsed() > LIMITS.idle);
    }

    #[tokio::test]
    async fn a_body_that_stops_is_cut_after_the_idle_limit() {
        let started = Instant::now();
        let body = collect(drip(4, LIMITS.total), 0, 1024, LIMITS).await;
        assert!(matches!(body, Err(ApiError::BodyTimeout)));
        // Cut an idle period after its last byte (0.2 s), long before the cap.
        let took = started.elapsed();
        assert!(took >= 4 * EVERY + LIMITS.idle, "{took:?}");
        assert!(took < LIMITS.total, "{took:?}");
    }

    #[tokio::test]
    async fn a_steady_body_is_still_cut_at_the_total_cap() {
        let started = Instant::now();
        let body = collect(drip(1000, Duration::ZERO), 0, 1024, LIMITS).await;
        assert!(matches!(body, Err(ApiError::BodyTimeout)));
        assert!(started.elapsed() >= LIMITS.total);
    }
}

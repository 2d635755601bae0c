//! Batching: many concurrent requests, one statement, one round trip.
//!
//! A framework app would take a connection from a pool for each request and run one
//! statement on it. That is many PostgreSQL backends, each a process of its own, each
//! paying a full statement (bind, plan, executor start-up, a network round trip) and,
//! for a write, a commit (a WAL flush to disk) per request; they compete with the app
//! for the same cores. A [`Batcher`] instead collects the requests that arrive while
//! the previous statement is in flight and answers them all with one statement on the
//! one shared connection: `WHERE id = ANY($1)` for 40 look-ups, one multi-row INSERT
//! and one commit for 40 new users. PostgreSQL's per-statement and per-commit costs are
//! paid per batch, only the per-row work is paid per request, and one backend does it.
//!
//! Nothing waits to fill a batch: each kind of statement has one batch in flight, and
//! the next batch is whatever queued up meanwhile. One request alone goes out at once,
//! as a batch of one; under load, batches grow by themselves, exactly when sharing the
//! costs pays. There is no timer to tune. (Two batches in flight per kind measured
//! worse: smaller batches, more work per request; see docs/benchmarks.md.)
//!
//! The waiting budgets of [`Database`](super::Database) count from the arrival of a batch's oldest
//! request, so a request that queued is still answered (503 at worst) within them.
//! A request whose caller has gone (the client hung up) before its batch was sent is
//! left out: for a write, that means it did not happen.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, timeout_at};

use super::error::DbError;
use crate::metrics::database::BatchSizes;

/// At most this many requests in one statement: bounds the size of a statement and of
/// its answer, however many clients there are.
const MAX_BATCH: usize = 256;

/// Sends requests of type `In` to a collector task that runs them in batches and
/// answers each with an `Out`, or with an error `E` shared by the whole batch (hence
/// `Clone`). Cheap to clone; all clones share the collector.
pub struct Batcher<In, Out, E> {
    queue: mpsc::UnboundedSender<Job<In, Out, E>>,
}

impl<In, Out, E> Clone for Batcher<In, Out, E> {
    fn clone(&self) -> Self {
        Batcher {
            queue: self.queue.clone(),
        }
    }
}

/// For callers that come back again and again with requests that may coincide (a
/// listing asks for page after page, and listings that started together ask for the
/// same pages): how many such callers are active, and how long a batch may wait for
/// them. Without it a batch goes as soon as its first request arrives, and callers a
/// moment late each pay a statement of their own; with it the collector waits, up to
/// `linger`, until as many requests as active callers have queued. A lone caller
/// never waits.
#[derive(Clone)]
pub struct Gathering {
    pub active: Arc<AtomicUsize>,
    pub linger: Duration,
}

/// One request waiting for its batch.
struct Job<In, Out, E> {
    input: In,
    arrived: Instant,
    reply: oneshot::Sender<Result<Out, E>>,
}

impl<In, Out, E> Batcher<In, Out, E>
where
    In: Send + 'static,
    Out: Send + 'static,
    E: Clone + From<DbError> + Send + 'static,
{
    /// Spawns the collector. `run(db, since, inputs)` runs one batch: it must answer
    /// with one output per input, in the same order, or with one error for all of
    /// them. `db` is the handle the batch runs on (a [`Database`](super::Database) for
    /// writes, [`Reads`](super::Reads) for reads), cloned for each batch. `since` is the
    /// oldest request's arrival, for the handle's budgets. The collector stops when the
    /// last `Batcher` clone is dropped. `statement` names the kind in `/metrics` (batch
    /// sizes by statement kind): a constant, such as `find`.
    ///
    /// `Run: Fn(Db, Instant, Vec<In>) -> Fut` is `Callable[[Db, Instant, list[In]], Fut]`,
    /// and `Fut: Future<Output = ...>` makes `run` an `async def`: its call returns a
    /// coroutine not yet awaited. `Send + Sync + 'static`: the collector task, on any
    /// thread, may keep and call it.
    pub fn start<Db, Run, Fut>(statement: &'static str, db: Db, run: Run) -> Batcher<In, Out, E>
    where
        Db: Clone + Send + 'static,
        Run: Fn(Db, Instant, Vec<In>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Out>, E>> + Send + 'static,
    {
        Batcher::start_gathering(statement, db, run, None)
    }

    /// [`Batcher::start`], whose batches wait for the active callers of `gathering`.
    pub fn start_gathering<Db, Run, Fut>(
        statement: &'static str,
        db: Db,
        run: Run,
        gathering: Option<Gathering>,
    ) -> Batcher<In, Out, E>
    where
        Db: Clone + Send + 'static,
        Run: Fn(Db, Instant, Vec<In>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Out>, E>> + Send + 'static,
    {
        let (queue, jobs) = mpsc::unbounded_channel();
        let sizes = crate::metrics::database::batch_sizes(statement);
        tokio::spawn(collect(db, jobs, run, gathering, sizes));
        Batcher { queue }
    }

    /// Queues `input` for the next batch and waits for its answer. The queue (`mpsc`) is
    /// an `asyncio.Queue` with many senders; the `oneshot` carries the one answer back,
    /// an `asyncio.Future` that the collector sets.
    pub async fn call(&self, input: In) -> Result<Out, E> {
        let (reply, answer) = oneshot::channel();
        let arrived = Instant::now();
        let job = Job {
            input,
            arrived,
            reply,
        };
        if self.queue.send(job).is_err() {
            return Err(DbError::Unavailable("the batch collector stopped".into()).into());
        }
        // The batch answers within the budgets counted from its oldest request, which
        // arrived no later than this one; a batch that died without answering drops
        // the reply.
        answer.await.unwrap_or_else(|_| {
            Err(DbError::Unavailable("the batch ended without an answer".into()).into())
        })
    }
}

/// The collector: waits for a request, takes everything queued behind it (up to
/// [`MAX_BATCH`]), runs the batch and answers it; meanwhile the next batch queues up.
async fn collect<In, Out, E, Db, Run, Fut>(
    db: Db,
    mut jobs: mpsc::UnboundedReceiver<Job<In, Out, E>>,
    run: Run,
    gathering: Option<Gathering>,
    sizes: Arc<BatchSizes>,
) where
    Out: Send + 'static,
    E: Clone + Send + 'static,
    Db: Clone,
    Run: Fn(Db, Instant, Vec<In>) -> Fut,
    Fut: Future<Output = Result<Vec<Out>, E>> + Send + 'static,
{
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Some(gathering) = &gathering {
            let until = Instant::now() + gathering.linger;
            while batch.len() < gathering.active.load(Ordering::Relaxed).min(MAX_BATCH) {
                match timeout_at(until, jobs.recv()).await {
                    Ok(Some(job)) => batch.push(job),
                    _ => break,
                }
            }
        }
        batch.retain(|job| !job.reply.is_closed());
        let Some(since) = batch.first().map(|job| job.arrived) else {
            continue;
        };
        sizes.observe(batch.len());
        let (inputs, replies): (Vec<In>, Vec<_>) =
            batch.into_iter().map(|job| (job.input, job.reply)).unzip();
        let outcome = run(db.clone(), since, inputs);
        // In a task of its own so that a batch that panics (a bug) only drops its own
        // replies, which answers its requests 503, and the collector carries on.
        let _ = tokio::spawn(async move {
            match outcome.await {
                Ok(outputs) => {
                    for (reply, output) in replies.into_iter().zip(outputs) {
                        let _ = reply.send(Ok(output));
                    }
                }
                Err(err) => {
                    for reply in replies {
                        let _ = reply.send(Err(err.clone()));
                    }
                }
            }
        })
        .await;
    }
}

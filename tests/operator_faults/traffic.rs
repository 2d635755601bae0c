//! Clients for the faults: one request with what it got and how long it took
//! ([`Answer`]), and closed-loop writers and readers that keep a fault under load for a
//! window (each sends its next request as soon as the last one is answered, as a
//! client does; none gives up on a slow answer before [`PATIENCE`]).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::support::http;

/// How long a client waits for an answer before counting the request unanswered
/// (status 0). Longer than any goal, so a slow answer is measured, not cut short.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// What one request got.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The email of a POST (empty for a GET).
    pub email: String,
    pub sent: Instant,
    pub took: Duration,
    /// 0 when there was no answer within [`PATIENCE`].
    pub status: u16,
    /// `detail` of an error body, when it is a string.
    pub detail: Option<String>,
    /// `id` of a 201.
    pub id: Option<i32>,
}

impl Answer {
    /// The detail, or `""`.
    pub fn detail(&self) -> &str {
        self.detail.as_deref().unwrap_or("")
    }
}

/// `POST /users` with a unique `email`.
pub async fn post_user(addr: SocketAddr, email: &str) -> Answer {
    let body = serde_json::json!({"name": "Op", "email": email, "age": 30}).to_string();
    let json = [("Content-Type", "application/json")];
    let call = http::send(addr, "POST", "/users", &json, body.as_bytes());
    answer(email, call).await
}

/// `GET path`.
pub async fn get(addr: SocketAddr, path: &str) -> Answer {
    answer("", http::send(addr, "GET", path, &[], b"")).await
}

async fn answer(email: &str, call: impl Future<Output = http::Response>) -> Answer {
    let sent = Instant::now();
    let response = tokio::time::timeout(PATIENCE, call).await.ok();
    let json: Option<serde_json::Value> = response
        .as_ref()
        .and_then(|r| serde_json::from_slice(&r.body).ok());
    let field = |name: &str| json.as_ref().and_then(|json| json.get(name).cloned());
    Answer {
        email: email.to_string(),
        sent,
        took: sent.elapsed(),
        status: response.map_or(0, |r| r.status),
        detail: field("detail").and_then(|d| d.as_str().map(str::to_string)),
        id: field("id")
            .and_then(|id| id.as_i64())
            .and_then(|id| id.try_into().ok()),
    }
}

/// POSTs unique users until one is answered 201 or `limit` has passed; the 201's
/// answer and how long that took, or `None`.
pub async fn until_created(addr: SocketAddr, prefix: &str, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    for n in 0.. {
        if post_user(addr, &format!("{prefix}-{n}@example.com"))
            .await
            .status
            == 201
        {
            return Some(started.elapsed());
        }
        if started.elapsed() > limit {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// `writers` clients POSTing unique users (`{prefix}-{writer}-{n}@example.com`) until
/// `until`; every answer, once the last request sent before `until` is answered.
pub async fn writers(
    addr: SocketAddr,
    prefix: &str,
    writers: usize,
    until: Instant,
) -> Vec<Answer> {
    let each = (0..writers).map(|w| {
        let prefix = format!("{prefix}-{w}");
        tokio::spawn(async move {
            let mut answers = Vec::new();
            for n in 0.. {
                if Instant::now() >= until {
                    break;
                }
                answers.push(post_user(addr, &format!("{prefix}-{n}@example.com")).await);
            }
            answers
        })
    });
    gather(each.collect()).await
}

/// `readers` clients each reading `GET /users/{id}` for the ids of `ids` in turn
/// until `until`; every answer.
pub async fn readers(addr: SocketAddr, ids: &[i32], readers: usize, until: Instant) -> Vec<Answer> {
    let each = (0..readers).map(|r| {
        let ids = ids.to_vec();
        tokio::spawn(async move {
            let mut answers = Vec::new();
            for n in r.. {
                if Instant::now() >= until {
                    break;
                }
                let path = format!("/users/{}", ids[n % ids.len()]);
                answers.push(get(addr, &path).await);
            }
            answers
        })
    });
    gather(each.collect()).await
}

async fn gather(tasks: Vec<tokio::task::JoinHandle<Vec<Answer>>>) -> Vec<Answer> {
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("a client task"));
    }
    all
}

/// The share of `answers` that satisfy `good`, in percent; 0 for no answers at all
/// (nothing measured meets no goal).
pub fn percent(answers: &[&Answer], good: impl Fn(&Answer) -> bool) -> f64 {
    if answers.is_empty() {
        return 0.0;
    }
    let count = answers.iter().filter(|a| good(a)).count();
    100.0 * count as f64 / answers.len() as f64
}

/// `201 × 12, 503 × 40`: how many of each status, for a figure.
pub fn statuses(answers: &[Answer]) -> String {
    let mut counts = std::collections::BTreeMap::new();
    for answer in answers {
        *counts.entry(answer.status).or_insert(0) += 1;
    }
    let each = counts.iter().map(|(status, n)| format!("{status} × {n}"));
    each.collect::<Vec<_>>().join(", ")
}

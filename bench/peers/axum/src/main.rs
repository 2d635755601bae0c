//! The axum peer: userapi's four routes as an idiomatic axum 0.8 + deadpool-postgres
//! service, for bench/run.sh to measure beside the hand-written server (issue 11).
//!
//! Idiomatic means what the axum examples and a first project would write: a `Router`
//! with one handler per route, `Json`/`Path`/`State` extractors, a deadpool pool with
//! its default size, `prepare_cached` statements, one statement per request (no
//! batching), and no access log (axum prints none unless a `tower-http` `TraceLayer`
//! and a `tracing` subscriber are added; userapi keeps its log, which is the point of
//! the 0.95x goal). Validation is serde's (a wrong body is axum's 422 text, not
//! pydantic's JSON): the bench only sends valid bodies.
//!
//! Settings are userapi's variables: PORT, DB_HOST, DB_PORT, DB_NAME, DB_USER,
//! DB_PASSWORD; and POOL_SIZE (default: deadpool's, 4 per core).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use deadpool_postgres::{Config, ManagerConfig, Pool, PoolConfig, RecyclingMethod, Runtime};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio_postgres::NoTls;

#[derive(Deserialize)]
struct UserCreate {
    name: String,
    email: String,
    age: i32,
}

#[derive(Serialize)]
struct User {
    id: i32,
    name: String,
    email: String,
    age: Option<i32>,
}

impl From<tokio_postgres::Row> for User {
    fn from(row: tokio_postgres::Row) -> User {
        User {
            id: row.get(0),
            name: row.get(1),
            email: row.get(2),
            age: row.get(3),
        }
    }
}

/// Every failure as FastAPI's `{"detail": ...}`.
enum AppError {
    NotFound,
    EmailTaken,
    Database(String),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, detail) = match self {
            AppError::NotFound => (StatusCode::NOT_FOUND, "User not found"),
            AppError::EmailTaken => (StatusCode::CONFLICT, "A user with this email already exists"),
            AppError::Database(reason) => {
                eprintln!("database: {reason}");
                (StatusCode::SERVICE_UNAVAILABLE, "Database unavailable, please retry shortly")
            }
        };
        (status, Json(json!({ "detail": detail }))).into_response()
    }
}

impl<E: std::fmt::Display> From<E> for AppError {
    fn from(err: E) -> AppError {
        AppError::Database(err.to_string())
    }
}

async fn health_check() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn create_user(
    State(pool): State<Pool>,
    Json(user): Json<UserCreate>,
) -> Result<(StatusCode, Json<User>), AppError> {
    let client = pool.get().await?;
    let statement = client
        .prepare_cached(
            "INSERT INTO users (name, email, age) VALUES ($1, $2, $3) \
             ON CONFLICT (email) DO NOTHING RETURNING id, name, email, age",
        )
        .await?;
    let row = client
        .query_opt(&statement, &[&user.name, &user.email, &user.age])
        .await?;
    let row = row.ok_or(AppError::EmailTaken)?;
    Ok((StatusCode::CREATED, Json(User::from(row))))
}

async fn get_users(State(pool): State<Pool>) -> Result<Json<Vec<User>>, AppError> {
    let client = pool.get().await?;
    let statement = client
        .prepare_cached("SELECT id, name, email, age FROM users ORDER BY id")
        .await?;
    let rows = client.query(&statement, &[]).await?;
    Ok(Json(rows.into_iter().map(User::from).collect()))
}

async fn get_user(
    State(pool): State<Pool>,
    Path(user_id): Path<i32>,
) -> Result<Json<User>, AppError> {
    let client = pool.get().await?;
    let statement = client
        .prepare_cached("SELECT id, name, email, age FROM users WHERE id = $1")
        .await?;
    let row = client.query_opt(&statement, &[&user_id]).await?;
    Ok(Json(User::from(row.ok_or(AppError::NotFound)?)))
}

fn env(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

#[tokio::main]
async fn main() {
    let mut config = Config::new();
    config.host = Some(env("DB_HOST", "localhost"));
    config.port = env("DB_PORT", "5432").parse().ok();
    config.dbname = Some(env("DB_NAME", "appdb"));
    config.user = Some(env("DB_USER", "postgres"));
    config.password = Some(env("DB_PASSWORD", "postgres"));
    config.application_name = Some("userapi-axum-peer".into());
    config.manager = Some(ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    });
    if let Some(size) = std::env::var("POOL_SIZE").ok().and_then(|s| s.parse().ok()) {
        config.pool = Some(PoolConfig::new(size));
    }
    let pool = config
        .create_pool(Some(Runtime::Tokio1), NoTls)
        .expect("a valid pool configuration");

    let app = Router::new()
        .route("/", get(health_check))
        .route("/users", get(get_users).post(create_user))
        .route("/users/{user_id}", get(get_user))
        .with_state(pool);

    let addr = format!("0.0.0.0:{}", env("PORT", "8000"));
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .expect("the port is free");
    eprintln!("axum peer: listening on http://{addr}");
    axum::serve(listener, app).await.expect("the server runs");
}

//! Chapter 4, the users API: chapter 3's server with its users in PostgreSQL, through
//! one tokio-postgres client shared by every request. What psycopg2 did in the seed:
//!
//! ```python
//! conn = psycopg2.connect(host=os.getenv("DB_HOST", "db"), database=..., user=..., ...)
//! cur.execute("INSERT INTO users (name, email, age) VALUES (%s, %s, %s) RETURNING id", ...)
//! cur.execute("SELECT id, name, email, age FROM users WHERE id = %s", (user_id,))
//! ```
//!
//! The seed connects for every request; `connect` connects once and runs init.sql, and
//! queries sent at the same time are pipelined on that connection. A taken email is a
//! 409 and a lost database a 503, where the reference answers 500. Run, from the
//! repository, `scripts/dev-server.sh --example ch4_users_api` (a throwaway PostgreSQL,
//! and `DB_*` set for it; Ctrl-C stops both), then `python3 test_api.py`.
//!
//! Left out, so that the whole API fits in one file; src/ does each:
//! - reconnecting when PostgreSQL restarts, and TLS (src/db/);
//! - batching concurrent queries into one statement (src/db/batch.rs);
//! - streaming long lists, `skip` and `limit` (src/services/user_listing.rs);
//! - pydantic's other rules, Python's JSON errors (src/schemas/, src/http/);
//! - CORS, /docs, metrics, timeouts, graceful shutdown (src/app/, src/server.rs).

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls, Row};

/// A response body, whole in memory: Starlette's `Response(content=...)`.
type Body = Full<Bytes>;

/// `class UserResponse(BaseModel)`; `derive(Serialize)` writes its JSON code, as pydantic.
#[derive(Clone, Serialize)]
struct User {
    id: i32,
    name: String,
    email: String,
    age: Option<i32>, // `int | None`: the column may be NULL (init.sql)
}

/// `class UserCreate(BaseModel)`: what a client sends to create a user.
struct UserCreate {
    name: String,
    email: String,
    age: i32,
}

/// The users: one PostgreSQL client. `Arc` lets every connection share it (as Python
/// shares any object); it takes their queries all at once, with no lock.
type Database = Arc<Client>;

/// How a request can fail; `into_response` is where each becomes `{"detail": ...}`.
enum ApiError {
    Http(StatusCode, &'static str), // `raise HTTPException(status_code, detail)`
    MethodNotAllowed(&'static str), // 405, with its `Allow` header
    Validation(Vec<Value>),         // 422, with pydantic's errors
}

// `impl` attaches functions to a type, as a Python class holds its methods.
impl ApiError {
    /// FastAPI's exception handlers: a status code and `{"detail": ...}`.
    fn into_response(self) -> Response<Body> {
        let (status, detail) = match &self {
            ApiError::Http(status, detail) => (*status, json!(detail)),
            ApiError::MethodNotAllowed(_) => {
                (StatusCode::METHOD_NOT_ALLOWED, json!("Method Not Allowed"))
            }
            ApiError::Validation(errors) => (StatusCode::UNPROCESSABLE_ENTITY, json!(errors)),
        };
        let mut response = json_response(status, &json!({ "detail": detail }));
        if let ApiError::MethodNotAllowed(allow) = self {
            let allow = HeaderValue::from_static(allow);
            response.headers_mut().insert(ALLOW, allow);
        }
        response
    }
}

/// The most a request body may hold; more is a 413 (FastAPI would read it all).
const BODY_LIMIT: usize = 64 * 1024;
const INT_PARSING: &str = "Input should be a valid integer, unable to parse string as an integer";
const INT_FROM_FLOAT: &str = "Input should be a valid integer, got a number with a fractional part";
const AT_MOST: &str = "Input should be less than or equal to 2147483647";
const AT_LEAST: &str = "Input should be greater than or equal to -2147483648";

// `#[tokio::main]` runs `main` on tokio's event loop: `asyncio.run(main())`. `async fn`
// is `async def`, and `.await` is `await`. `?` is `raise`, at the call: on an error,
// return it. `Box<dyn Error>` is any exception.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = Database::new(connect().await?);
    // `|_| ...` is a closure, Python's `lambda _: ...`.
    let port = std::env::var("PORT").unwrap_or_else(|_| "8000".to_string());
    let listener = TcpListener::bind(format!("0.0.0.0:{port}")).await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        // `let ... else`: take the value out, or run `else`, which must leave. A failed
        // accept (a client already gone, say) must not stop the server.
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let db = db.clone(); // one more handle on the same users, for this connection
        // `tokio::spawn` is `asyncio.create_task`: each connection runs on its own.
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(request, db.clone()));
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            if let Err(err) = connection.await {
                eprintln!("connection failed: {err}");
            }
        });
    }
}

/// `get_connection()`, once: the seed's settings and defaults, then its table.
async fn connect() -> Result<Client, Box<dyn std::error::Error>> {
    let setting = |name, default: &str| std::env::var(name).unwrap_or(default.to_string());
    let port: u16 = setting("DB_PORT", "5432")
        .parse()
        .map_err(|_| "DB_PORT: not a port")?;
    let (client, connection) = tokio_postgres::Config::new()
        .host(setting("DB_HOST", "db"))
        .port(port)
        .dbname(setting("DB_NAME", "appdb"))
        .user(setting("DB_USER", "postgres"))
        .password(setting("DB_PASSWORD", "password"))
        .connect(NoTls)
        .await?;
    // `connection` does the socket's I/O, as a task of its own, for the client's
    // queries. When it ends, every query fails: a 503 (`failed`).
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            eprintln!("database connection lost: {err:?}");
        }
    });
    client.batch_execute(include_str!("../init.sql")).await?;
    Ok(client)
}

/// Every request's answer. `Result<T, E>` is `Ok(T)` or `Err(E)`: what can go wrong,
/// in the type. `Infallible`: nothing can.
async fn handle(request: Request<Incoming>, db: Database) -> Result<Response<Body>, Infallible> {
    let answer = route(request, &db).await;
    Ok(answer.unwrap_or_else(|err| err.into_response()))
}

/// The router, as Starlette's: 404 for an unknown path, 405 for a known path's other
/// methods, and `/users/` is `/users`. `Allow` lists the methods of the path's first
/// route, as in Starlette: FastAPI declared `POST /users/` before `GET /users/`.
/// `match` is Python's `match`, and Rust insists every case is handled.
async fn route(request: Request<Incoming>, db: &Database) -> Result<Response<Body>, ApiError> {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let segments: Vec<&str> = path.split('/').skip(1).collect(); // "/users/1": ["users", "1"]
    match (method, segments.as_slice()) {
        (Method::GET, [""]) => Ok(health_check()),
        (_, [""]) => Err(ApiError::MethodNotAllowed("GET")),
        (Method::POST, ["users"] | ["users", ""]) => create_user(db, request.into_body()).await,
        (Method::GET, ["users"] | ["users", ""]) => get_users(db).await,
        (_, ["users"] | ["users", ""]) => Err(ApiError::MethodNotAllowed("POST")),
        (Method::GET, ["users", user_id]) => get_user(db, user_id).await,
        (_, ["users", _]) => Err(ApiError::MethodNotAllowed("GET")),
        _ => Err(ApiError::Http(StatusCode::NOT_FOUND, "Not Found")),
    }
}

/// `@app.get("/")`
fn health_check() -> Response<Body> {
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

/// `@router.post("/", response_model=UserResponse, status_code=201)`
async fn create_user(db: &Database, body: Incoming) -> Result<Response<Body>, ApiError> {
    let user = UserCreate::validate(read_json(body).await?)?;
    let created = insert_user(db, user).await?;
    Ok(json_response(StatusCode::CREATED, &created))
}

/// `@router.get("/", response_model=list[UserResponse])`
async fn get_users(db: &Database) -> Result<Response<Body>, ApiError> {
    Ok(json_response(StatusCode::OK, &select_users(db).await?))
}

/// `@router.get("/{user_id}", response_model=UserResponse)`
async fn get_user(db: &Database, user_id: &str) -> Result<Response<Body>, ApiError> {
    let not_found = ApiError::Http(StatusCode::NOT_FOUND, "User not found");
    let Ok(user_id) = user_id.parse::<i64>() else {
        let (loc, input) = (json!(["path", "user_id"]), json!(user_id));
        return Err(invalid("int_parsing", loc, INT_PARSING, input));
    };
    // An integer, but beyond the INTEGER column: no row has it.
    let Ok(user_id) = i32::try_from(user_id) else {
        return Err(not_found);
    };
    match select_user(db, user_id).await? {
        Some(user) => Ok(json_response(StatusCode::OK, &user)),
        None => Err(not_found),
    }
}

/// `await request.json()`, of at most BODY_LIMIT bytes.
async fn read_json(body: Incoming) -> Result<Value, ApiError> {
    // Too large, or broken off (and then nobody reads the answer).
    let too_large = ApiError::Http(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large");
    let body = Limited::new(body, BODY_LIMIT).collect().await;
    let body = body.map_err(|_| too_large)?.to_bytes();
    if body.is_empty() {
        let loc = json!(["body"]);
        return Err(invalid("missing", loc, "Field required", Value::Null));
    }
    serde_json::from_slice(&body).map_err(|err| {
        // Where it broke: serde_json's column (from 1) is Python's offset (from 0) for a
        // wrong character on the first line. `ctx.error` is in serde_json's words.
        let loc = json!(["body", err.column().saturating_sub(1)]);
        let mut error = field_error("json_invalid", loc, "JSON decode error", json!({}));
        error["ctx"] = json!({"error": err.to_string()});
        ApiError::Validation(vec![error])
    })
}

impl UserCreate {
    /// pydantic's `UserCreate(**body)`: every field checked, every error kept, in order.
    fn validate(body: Value) -> Result<UserCreate, ApiError> {
        let Value::Object(fields) = &body else {
            let msg = "Input should be a valid dictionary or object to extract fields from";
            return Err(invalid("model_attributes_type", json!(["body"]), msg, body));
        };
        let name = string_field(&body, fields.get("name"), "name");
        let email = string_field(&body, fields.get("email"), "email");
        let age = int_field(&body, fields.get("age"), "age");
        match (name, email, age) {
            (Ok(name), Ok(email), Ok(age)) => Ok(UserCreate { name, email, age }),
            (name, email, age) => {
                let errors = [name.err(), email.err(), age.err()].into_iter().flatten();
                Err(ApiError::Validation(errors.collect()))
            }
        }
    }
}

/// A `str` field: present, and a string (pydantic turns nothing else into one).
fn string_field(body: &Value, value: Option<&Value>, field: &str) -> Result<String, Value> {
    let (kind, msg) = match value {
        Some(Value::String(text)) => return Ok(text.clone()),
        Some(_) => ("string_type", "Input should be a valid string"),
        None => ("missing", "Field required"),
    };
    let input = value.unwrap_or(body).clone();
    Err(field_error(kind, json!(["body", field]), msg, input))
}

/// An `int` field, as lax as pydantic's (28, 28.0, "28" and true are ints), within the
/// INTEGER column, as `Field(ge=-2**31, le=2**31-1)` would check (but without `ctx`).
fn int_field(body: &Value, value: Option<&Value>, field: &str) -> Result<i32, Value> {
    // Every INTEGER is exact in an f64, JSON's one type of number.
    let number = match value {
        Some(Value::Bool(flag)) => Ok(f64::from(u8::from(*flag))),
        Some(Value::Number(number)) => Ok(number.as_f64().unwrap_or(f64::NAN)),
        Some(Value::String(text)) => match text.trim().parse::<i64>() {
            Ok(number) => Ok(number as f64),
            Err(_) => Err(("int_parsing", INT_PARSING)),
        },
        Some(_) => Err(("int_type", "Input should be a valid integer")),
        None => Err(("missing", "Field required")),
    };
    let (kind, msg) = match number {
        Ok(number) if number.fract() != 0.0 => ("int_from_float", INT_FROM_FLOAT),
        Ok(number) if number > f64::from(i32::MAX) => ("less_than_equal", AT_MOST),
        Ok(number) if number < f64::from(i32::MIN) => ("greater_than_equal", AT_LEAST),
        Ok(number) => return Ok(number as i32),
        Err(kind_and_msg) => kind_and_msg,
    };
    let input = value.unwrap_or(body).clone();
    Err(field_error(kind, json!(["body", field]), msg, input))
}

/// One pydantic error, as FastAPI lists it under `detail`. Its keys keep this order
/// because Cargo.toml turns on serde_json's `preserve_order` (Python's dicts keep it).
fn field_error(kind: &str, loc: Value, msg: &str, input: Value) -> Value {
    json!({"type": kind, "loc": loc, "msg": msg, "input": input})
}

fn invalid(kind: &str, loc: Value, msg: &str, input: Value) -> ApiError {
    ApiError::Validation(vec![field_error(kind, loc, msg, input)])
}

/// The seed's `create_user` service: `INSERT ... RETURNING id`.
async fn insert_user(db: &Database, new: UserCreate) -> Result<User, ApiError> {
    let sql = "INSERT INTO users (name, email, age) VALUES ($1, $2, $3) RETURNING id";
    let row = db.query_one(sql, &[&new.name, &new.email, &new.age]).await;
    Ok(User {
        id: row.map_err(failed)?.get("id"),
        name: new.name,
        email: new.email,
        age: Some(new.age),
    })
}

/// The seed's `get_users` service.
async fn select_users(db: &Database) -> Result<Vec<User>, ApiError> {
    let sql = "SELECT id, name, email, age FROM users ORDER BY id";
    let rows = db.query(sql, &[]).await.map_err(failed)?;
    Ok(rows.iter().map(user_from_row).collect())
}

/// The seed's `find_user` service. `Option<User>` is `User | None`.
async fn select_user(db: &Database, user_id: i32) -> Result<Option<User>, ApiError> {
    let sql = "SELECT id, name, email, age FROM users WHERE id = $1";
    let row = db.query_opt(sql, &[&user_id]).await.map_err(failed)?;
    Ok(row.as_ref().map(user_from_row))
}

fn user_from_row(row: &Row) -> User {
    User {
        id: row.get("id"),
        name: row.get("name"),
        email: row.get("email"),
        age: row.get("age"),
    }
}

/// A failed query: a taken email is the client's mistake (409); anything else, once
/// validation has passed, the database's (503). The cause is logged, never sent.
fn failed(err: tokio_postgres::Error) -> ApiError {
    if err.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        let detail = "A user with this email already exists";
        return ApiError::Http(StatusCode::CONFLICT, detail);
    }
    eprintln!("database error: {err:?}"); // `{:?}` (Python's repr) shows the cause
    let detail = "Database unavailable, please retry shortly";
    ApiError::Http(StatusCode::SERVICE_UNAVAILABLE, detail)
}

/// `JSONResponse(content, status_code)`.
fn json_response(status: StatusCode, content: &impl Serialize) -> Response<Body> {
    // Fails only for maps whose keys are not strings, and we serialise none.
    let bytes = serde_json::to_vec(content).expect("our types serialise to JSON");
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    let json = HeaderValue::from_static("application/json");
    response.headers_mut().insert(CONTENT_TYPE, json);
    response
}

//! Chapter 3, validation: chapter 2 reads a JSON body, checks it as pydantic does, and
//! answers FastAPI's 422 when it is wrong. What pydantic and FastAPI did in the seed:
//!
//! ```python
//! class UserCreate(BaseModel):
//!     name: str
//!     email: str
//!     age: int
//! def create_user(user: UserCreate): ...
//! def get_user(user_id: int): ...
//! ```
//!
//! Every field's error is listed, in order, as `{"detail": [{"type", "loc", "msg",
//! "input"}]}`; a body over 64 KiB is a 413. Left out, and where src/ does it: pydantic's
//! finer rules (`28.0` and `true` as ints, one error for a body that is no object, the
//! range errors: src/schemas/validation.rs), the Content-Type and an empty body
//! (src/http/request_body.rs), Python's JSON messages (src/http/json_decoder.rs). Run
//! `cargo run --example ch3_validation`, then `curl -i localhost:8000/users/abc`.

use std::{convert::Infallible, sync::Arc};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

type Body = Full<Bytes>; // a response body, whole in memory

/// `class UserResponse(BaseModel)`: `derive(Serialize)` writes its JSON, as pydantic does.
#[derive(Clone, Serialize)]
struct User {
    id: i32,
    name: String,
    email: String,
    age: Option<i32>, // `int | None`: init.sql's column may be NULL
}

/// `class UserCreate(BaseModel)`: what a client sends.
struct UserCreate {
    name: String,
    email: String,
    age: i32,
}

/// The users, in memory until chapter 4. `Arc` shares them between connections, and
/// `Mutex` is `asyncio.Lock`.
type Database = Arc<Mutex<Vec<User>>>;

/// How a request fails, as one of these variants; `into_response` makes each FastAPI's
/// `{"detail": ...}`. (`&'static str`: text built into the program, as a literal is.)
enum ApiError {
    Http(StatusCode, &'static str), // `raise HTTPException(status_code, detail)`
    NotAllowed(&'static str),       // 405 Method Not Allowed, and its `Allow` header
    Validation(Vec<Value>),         // 422, with pydantic's errors (`Value`: any JSON)
}

impl ApiError {
    // `impl` holds a type's methods, as a class body does; `Self` is the type, `cls`.
    fn into_response(self) -> Response<Body> {
        let (status, detail) = match &self {
            Self::Http(status, detail) => (*status, json!(detail)),
            Self::NotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, json!("Method Not Allowed")),
            Self::Validation(errors) => (StatusCode::UNPROCESSABLE_ENTITY, json!(errors)),
        };
        let mut response = json_response(status, &json!({ "detail": detail }));
        if let Self::NotAllowed(allow) = self {
            let allow = HeaderValue::from_static(allow);
            response.headers_mut().insert(ALLOW, allow);
        }
        response
    }
}

const INT_PARSING: &str = "Input should be a valid integer, unable to parse string as an integer";

// `asyncio.run(main())`, where `async fn` is `async def`. `x?` raises x's error to the
// caller, and `Box<dyn Error>` is any error, as `Exception` is.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = Database::default();
    let port = std::env::var("PORT").unwrap_or("8000".into()); // PORT=0: any free port
    let listener = TcpListener::bind(format!("0.0.0.0:{port}")).await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue; // `let ... else` runs this if no match: a failed accept must not end the loop
        };
        let db = db.clone(); // another handle on the same users, for the `move |request|` lambda
        let service = service_fn(move |request| handle(request, db.clone()));
        let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
        tokio::spawn(connection); // `asyncio.create_task`: each connection runs on its own
    }
}

/// Every request's answer, routed as Starlette routes (404, 405 + `Allow`, `/users/` is
/// `/users`; `GET /` is `@app.get("/")`). `Infallible`: this `Result` is never `Err`.
async fn handle(request: Request<Incoming>, db: Database) -> Result<Response<Body>, Infallible> {
    let path = request.uri().path().trim_end_matches('/').to_string();
    let segments: Vec<&str> = path.split('/').skip(1).collect(); // "/users/1": ["users", "1"]
    let answer = match (request.method().clone(), segments.as_slice()) {
        (Method::GET, []) => Ok(json_response(StatusCode::OK, &json!({"status": "ok"}))),
        (_, []) => Err(ApiError::NotAllowed("GET")),
        (Method::POST, ["users"]) => create_user(&db, request.into_body()).await,
        (Method::GET, ["users"]) => get_users(&db).await,
        (_, ["users"]) => Err(ApiError::NotAllowed("POST")),
        (Method::GET, ["users", user_id]) => get_user(&db, user_id).await,
        (_, ["users", _]) => Err(ApiError::NotAllowed("GET")),
        _ => Err(ApiError::Http(StatusCode::NOT_FOUND, "Not Found")),
    };
    Ok(answer.unwrap_or_else(ApiError::into_response)) // a method, used as a function
}

/// `@router.post("/", response_model=UserResponse, status_code=201)`
async fn create_user(db: &Database, body: Incoming) -> Result<Response<Body>, ApiError> {
    let new = UserCreate::validate(read_json(body).await?)?;
    let mut users = db.lock().await; // one request at a time from here to the end of `}`
    let created = User {
        id: users.len() as i32 + 1, // `as`: a cast, as `int(...)` is
        name: new.name,
        email: new.email,
        age: Some(new.age),
    };
    users.push(created.clone());
    Ok(json_response(StatusCode::CREATED, &created))
}

/// `@router.get("/", response_model=list[UserResponse])`
async fn get_users(db: &Database) -> Result<Response<Body>, ApiError> {
    let users = db.lock().await.clone();
    Ok(json_response(StatusCode::OK, &users))
}

/// `@router.get("/{user_id}", response_model=UserResponse)`, and `user_id: int`.
async fn get_user(db: &Database, user_id: &str) -> Result<Response<Body>, ApiError> {
    let Ok(user_id) = user_id.parse::<i64>() else {
        let loc = json!(["path", "user_id"]);
        return Err(invalid("int_parsing", loc, INT_PARSING, json!(user_id)));
    };
    let users = db.lock().await;
    match users.iter().find(|user| i64::from(user.id) == user_id) {
        Some(user) => Ok(json_response(StatusCode::OK, user)),
        None => Err(ApiError::Http(StatusCode::NOT_FOUND, "User not found")),
    }
}

/// `await request.json()`, of 64 KiB at most (FastAPI reads any size).
async fn read_json(body: Incoming) -> Result<Value, ApiError> {
    let too_large = ApiError::Http(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large");
    let body = Limited::new(body, 64 * 1024).collect().await;
    let body = body.map_err(|_| too_large)?.to_bytes(); // `let` again: a new `body`
    serde_json::from_slice(&body).map_err(|err| {
        let loc = json!(["body", err.column().saturating_sub(1)]); // Python counts from 0
        invalid("json_invalid", loc, "JSON decode error", json!({}))
    })
}

impl UserCreate {
    /// pydantic's `UserCreate(**body)`, a classmethod (no `self`): every error, in order.
    fn validate(body: Value) -> Result<UserCreate, ApiError> {
        let name = string_field(&body, "name");
        let email = string_field(&body, "email");
        let age = int_field(&body, "age");
        match (name, email, age) {
            (Ok(name), Ok(email), Ok(age)) => Ok(UserCreate { name, email, age }),
            (name, email, age) => {
                let errors = [name.err(), email.err(), age.err()].into_iter().flatten();
                Err(ApiError::Validation(errors.collect()))
            }
        }
    }
}

/// A `str` field: there, and a string.
fn string_field(body: &Value, field: &str) -> Result<String, Value> {
    let error = match body.get(field) {
        Some(Value::String(text)) => return Ok(text.clone()),
        Some(_) => ("string_type", "Input should be a valid string"),
        None => ("missing", "Field required"),
    };
    Err(field_error(body, field, error))
}

/// An `int` field: a JSON integer or a string of one (pydantic's lax mode), in INTEGER.
fn int_field(body: &Value, field: &str) -> Result<i32, Value> {
    let error = match body.get(field) {
        Some(Value::String(text)) => match text.trim().parse() {
            Ok(int) => return Ok(int),
            Err(_) => ("int_parsing", INT_PARSING),
        },
        Some(value) => match value.as_i64().map(i32::try_from) {
            Some(Ok(int)) => return Ok(int),
            _ => ("int_type", "Input should be a valid integer"),
        },
        None => ("missing", "Field required"),
    };
    Err(field_error(body, field, error))
}

/// pydantic's error for a field of the body (a missing one's `input` is the whole body).
fn field_error(body: &Value, field: &str, (kind, msg): (&str, &str)) -> Value {
    let input = body.get(field).unwrap_or(body);
    json!({"type": kind, "loc": ["body", field], "msg": msg, "input": input})
}

/// A 422 of one error. Cargo.toml's serde_json `preserve_order` keeps the keys in order.
fn invalid(kind: &str, loc: Value, msg: &str, input: Value) -> ApiError {
    let error = json!({"type": kind, "loc": loc, "msg": msg, "input": input});
    ApiError::Validation(vec![error])
}

/// `JSONResponse(content, status_code)`. `expect`: a panic, for what cannot happen.
fn json_response(status: StatusCode, content: &impl Serialize) -> Response<Body> {
    let mut response = Response::new(Body::from(serde_json::to_vec(content).expect("JSON")));
    *response.status_mut() = status; // `*`: assign where the `&mut` reference points
    let json = HeaderValue::from_static("application/json");
    response.headers_mut().insert(CONTENT_TYPE, json);
    response
}

//! Chapter 2, routes: method and path choose the function that answers, and JSON goes
//! out with serde. What FastAPI did for these lines of the seed:
//!
//! ```python
//! @router.post("/", response_model=UserResponse, status_code=201)
//! @router.get("/", response_model=list[UserResponse])
//! @router.get("/{user_id}", response_model=UserResponse)
//!     raise HTTPException(status_code=404, detail="User not found")
//! ```
//!
//! The users live in memory until chapter 4, and `POST /users` adds a fixed one until
//! chapter 3 reads the body. Left out, and where src/ does it: Starlette's finer points
//! (percent-escapes, a final newline, `HEAD`) and the route table that /openapi.json is
//! checked against (src/app/router.rs, src/percent_decoding.rs). Run `cargo run --example
//! ch2_routes`, then `curl -i -X POST localhost:8000/users` and `curl -i -X PUT
//! localhost:8000/users`.

use std::{convert::Infallible, sync::Arc};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::json;
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

/// The users, in memory until chapter 4. `Arc` shares them between connections, and
/// `Mutex` is `asyncio.Lock`.
type Database = Arc<Mutex<Vec<User>>>;

/// How a request fails, as one of these variants; `into_response` makes each FastAPI's
/// `{"detail": ...}`. (`&'static str`: text built into the program, as a literal is.)
enum ApiError {
    Http(StatusCode, &'static str), // `raise HTTPException(status_code, detail)`
    NotAllowed(&'static str),       // 405 Method Not Allowed, and its `Allow` header
}

impl ApiError {
    // `impl` holds a type's methods, as a class body does; `Self` is the type, `cls`.
    fn into_response(self) -> Response<Body> {
        let (status, detail) = match &self {
            Self::Http(status, detail) => (*status, json!(detail)),
            Self::NotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, json!("Method Not Allowed")),
        };
        let mut response = json_response(status, &json!({ "detail": detail }));
        if let Self::NotAllowed(allow) = self {
            let allow = HeaderValue::from_static(allow);
            response.headers_mut().insert(ALLOW, allow);
        }
        response
    }
}

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
        (Method::POST, ["users"]) => create_user(&db).await,
        (Method::GET, ["users"]) => get_users(&db).await,
        (_, ["users"]) => Err(ApiError::NotAllowed("POST")),
        (Method::GET, ["users", user_id]) => get_user(&db, user_id).await,
        (_, ["users", _]) => Err(ApiError::NotAllowed("GET")),
        _ => Err(ApiError::Http(StatusCode::NOT_FOUND, "Not Found")),
    };
    Ok(answer.unwrap_or_else(ApiError::into_response)) // a method, used as a function
}

/// `@router.post("/", response_model=UserResponse, status_code=201)`
async fn create_user(db: &Database) -> Result<Response<Body>, ApiError> {
    let mut users = db.lock().await; // one request at a time from here to the end of `}`
    let created = User {
        id: users.len() as i32 + 1, // `as`: a cast, as `int(...)` is
        name: "Alice".to_string(),  // a fixed user, until chapter 3 reads the body
        email: "alice@example.com".to_string(),
        age: Some(28),
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
        // Not an integer: no such user, until chapter 3 answers FastAPI's 422.
        return Err(ApiError::Http(StatusCode::NOT_FOUND, "User not found"));
    };
    let users = db.lock().await;
    match users.iter().find(|user| i64::from(user.id) == user_id) {
        Some(user) => Ok(json_response(StatusCode::OK, user)),
        None => Err(ApiError::Http(StatusCode::NOT_FOUND, "User not found")),
    }
}

/// `JSONResponse(content, status_code)`. `expect`: a panic, for what cannot happen.
fn json_response(status: StatusCode, content: &impl Serialize) -> Response<Body> {
    let mut response = Response::new(Body::from(serde_json::to_vec(content).expect("JSON")));
    *response.status_mut() = status; // `*`: assign where the `&mut` reference points
    let json = HeaderValue::from_static("application/json");
    response.headers_mut().insert(CONTENT_TYPE, json);
    response
}

//! Chapter 2, routes: method and path pick the function that answers, and JSON goes out
//! with serde. What FastAPI did for these lines of the seed:
//!
//! ```python
//! router = APIRouter(prefix="/users")
//! @router.post("/", response_model=UserResponse, status_code=201)
//! @router.get("/", response_model=list[UserResponse])
//! @router.get("/{user_id}", response_model=UserResponse)
//!     raise HTTPException(status_code=404, detail="User not found")
//! ```
//!
//! `route` is the router, one `match` on (method, path): an unknown path is a 404
//! `{"detail":"Not Found"}`, a known path with another method a 405 `{"detail":"Method
//! Not Allowed"}` with an `Allow` header, as Starlette answers them. The functions named
//! like the seed's services keep users in memory until chapter 4, and `POST /users`
//! stores a fixed user until chapter 3 reads the body. Run `cargo run --example
//! ch2_routes`, then `curl -i -X POST localhost:8000/users`, `curl -i
//! localhost:8000/users/1` and `curl -i -X PUT localhost:8000/users`.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

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

/// The users: a list until chapter 4 puts PostgreSQL here. `Arc` lets every connection
/// share it (as Python shares any object); `Mutex` is `asyncio.Lock`.
type Database = Arc<Mutex<Vec<User>>>;

/// How a request can fail; `into_response` is where each becomes `{"detail": ...}`.
enum ApiError {
    Http(StatusCode, &'static str), // `raise HTTPException(status_code, detail)`
    MethodNotAllowed(&'static str), // 405, with its `Allow` header
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
        };
        let mut response = json_response(status, &json!({ "detail": detail }));
        if let ApiError::MethodNotAllowed(allow) = self {
            let allow = HeaderValue::from_static(allow);
            response.headers_mut().insert(ALLOW, allow);
        }
        response
    }
}

// `#[tokio::main]` runs `main` on tokio's event loop: `asyncio.run(main())`. `async fn`
// is `async def`, and `.await` is `await`. `?` is `raise`, at the call: on an error,
// return it. `Box<dyn Error>` is any exception.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = Database::default();
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
        (Method::POST, ["users"] | ["users", ""]) => create_user(db).await,
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
async fn create_user(db: &Database) -> Result<Response<Body>, ApiError> {
    // A fixed user until chapter 3 reads one from the request body.
    let user = UserCreate {
        name: "Alice".to_string(),
        email: "alice@example.com".to_string(),
        age: 28,
    };
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
    // Not an integer: FastAPI's 422 comes in chapter 3; until then, no such user.
    let Ok(user_id) = user_id.parse() else {
        return Err(not_found);
    };
    match select_user(db, user_id).await? {
        Some(user) => Ok(json_response(StatusCode::OK, &user)),
        None => Err(not_found),
    }
}

/// The seed's `create_user` service, on a list. It, and the two below, return a
/// `Result` already: chapter 4's database can fail.
async fn insert_user(db: &Database, new: UserCreate) -> Result<User, ApiError> {
    let mut users = db.lock().await;
    let user = User {
        id: users.len() as i32 + 1,
        name: new.name,
        email: new.email,
        age: Some(new.age),
    };
    users.push(user.clone());
    Ok(user)
}

/// The seed's `get_users` service.
async fn select_users(db: &Database) -> Result<Vec<User>, ApiError> {
    Ok(db.lock().await.clone())
}

/// The seed's `find_user` service. `Option<User>` is `User | None`.
async fn select_user(db: &Database, user_id: i32) -> Result<Option<User>, ApiError> {
    let users = db.lock().await;
    Ok(users.iter().find(|user| user.id == user_id).cloned())
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

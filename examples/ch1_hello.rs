//! Chapter 1, hello: FastAPI's first program, on hyper and tokio.
//!
//! ```python
//! app = FastAPI()
//!
//! @app.get("/")
//! def health_check():
//!     return {"status": "ok"}
//! ```
//!
//! uvicorn was the server; here `main` is: it listens, and hyper calls `handle` for each
//! request. Every method and path gets the same answer until chapter 2 routes them. Run
//! `cargo run --example ch1_hello`, then `curl -i localhost:8000/` (`PORT=0` picks a
//! free port).

use std::convert::Infallible;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A response body, whole in memory: Starlette's `Response(content=...)`.
type Body = Full<Bytes>;

// `#[tokio::main]` runs `main` on tokio's event loop: `asyncio.run(main())`. `async fn`
// is `async def`, and `.await` is `await`. `?` is `raise`, at the call: on an error,
// return it. `Box<dyn Error>` is any exception.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
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
        // `tokio::spawn` is `asyncio.create_task`: each connection runs on its own.
        tokio::spawn(async move {
            let service = service_fn(handle);
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            if let Err(err) = connection.await {
                eprintln!("connection failed: {err}");
            }
        });
    }
}

/// Every request's answer. `Result<T, E>` is `Ok(T)` or `Err(E)`: what can go wrong,
/// in the type. `Infallible`: nothing can.
async fn handle(_request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    Ok(health_check())
}

/// `@app.get("/")`
fn health_check() -> Response<Body> {
    let mut response = Response::new(Body::from(r#"{"status":"ok"}"#));
    let json = HeaderValue::from_static("application/json");
    response.headers_mut().insert(CONTENT_TYPE, json);
    response
}

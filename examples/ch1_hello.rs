//! Chapter 1, hello: FastAPI's first app, on hyper and tokio alone.
//!
//! ```python
//! @app.get("/")
//! def health_check():
//!     return {"status": "ok"}
//! ```
//!
//! `main` is uvicorn; `handle` answers every request (chapter 2 routes them). Left out:
//! timeouts, limits, graceful shutdown (src/server.rs). Try `curl -i localhost:8000/`.

use std::convert::Infallible;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

// `asyncio.run(main())`, where `async fn` is `async def`. `x?` raises x's error to the
// caller, and `Box<dyn Error>` is any error, as `Exception` is.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = std::env::var("PORT").unwrap_or("8000".into()); // PORT=0: any free port
    let listener = TcpListener::bind(format!("0.0.0.0:{port}")).await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue; // `let ... else` runs this if no match: a failed accept must not end the loop
        };
        let service = service_fn(handle);
        let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
        tokio::spawn(connection); // `asyncio.create_task`: each connection runs on its own
    }
}

/// `@app.get("/")`, for any method and path. `Result`: `Ok` or `Err`; `Infallible`: no `Err`.
async fn handle(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::from(r#"{"status":"ok"}"#)); // r"..": a raw string
    let json = HeaderValue::from_static("application/json");
    response.headers_mut().insert(CONTENT_TYPE, json);
    Ok(response)
}

//! `GET /openapi.json` and `GET /docs`: the API's description and a page to try it.
//!
//! FastAPI builds its OpenAPI document at start-up by walking the routes, the pydantic
//! models and the `response_model`s, and serves Swagger UI at `/docs`, a page that loads
//! its script and stylesheet from a CDN (so it is blank offline). Here the document is a
//! file written by hand, `api_docs/openapi.json`, compiled into the binary and served as
//! is; the tests below hold it to the router and to the server's real error bodies, so
//! it cannot drift unnoticed. The page is three small files, `docs.html`, `docs.css` and
//! `docs.js`, joined once into one HTML document; its script reads `/openapi.json` and
//! builds a form per operation. A Content-Security-Policy tells the browser that the page
//! may talk to this origin only, so "no external request" is enforced, not just hoped.

use std::sync::LazyLock;

use hyper::header::{CONTENT_SECURITY_POLICY, HeaderValue};
use hyper::{Response, StatusCode};

use crate::http::response::{Body, json_static, static_body};

/// The OpenAPI 3.1 document, exactly as served.
pub const OPENAPI_JSON: &str = include_str!("api_docs/openapi.json");

/// Inline script and style (they are part of the page), `fetch` to this origin only,
/// nothing else: no scripts, fonts, images or frames from anywhere.
const DOCS_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; \
    style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

/// The page: `docs.html` with the stylesheet and the script put in their places. Built
/// on first use and kept for the life of the process.
static DOCS_PAGE: LazyLock<String> = LazyLock::new(|| {
    include_str!("api_docs/docs.html")
        .replacen("/*STYLE*/", include_str!("api_docs/docs.css"), 1)
        .replacen("/*SCRIPT*/", include_str!("api_docs/docs.js"), 1)
});

/// `GET /openapi.json`.
pub fn openapi_json() -> Response<Body> {
    json_static(StatusCode::OK, OPENAPI_JSON)
}

/// `GET /docs/oauth2-redirect`: FastAPI's helper page for Swagger UI's OAuth2 flow,
/// byte for byte (it is self-contained: one inline script).
pub fn oauth2_redirect_page() -> Response<Body> {
    static_body(
        StatusCode::OK,
        "text/html; charset=utf-8",
        include_str!("api_docs/oauth2-redirect.html"),
    )
}

/// `GET /docs` (and `/redoc`).
pub fn docs_page() -> Response<Body> {
    let mut response = static_body(StatusCode::OK, "text/html; charset=utf-8", &DOCS_PAGE);
    response
        .headers_mut()
        .insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
    response
}

#[cfg(test)]
mod tests {

    use http_body_util::BodyExt;
    use serde_json::{Value, json};

    use super::*;
    use crate::http::error::ApiError;
    use crate::http::request_body::{MAX_BODY_BYTES, parse_json};
    use crate::schemas::list_params::ListParams;
    use crate::schemas::user::{UserCreate, parse_user_id};

    fn document() -> Value {
        serde_json::from_str(OPENAPI_JSON).expect("openapi.json is valid JSON")
    }

    /// The value at a JSON pointer of the document, e.g. `/paths/~1users/post`.
    fn at(pointer: &str) -> Value {
        let doc = document();
        let value = doc.pointer(pointer);
        value
            .unwrap_or_else(|| panic!("{pointer} is missing"))
            .clone()
    }

    /// A route's real response: status, one header, JSON body.
    async fn answer(response: Response<Body>, header: &str) -> (u16, Option<String>, Value) {
        let status = response.status().as_u16();
        let header = response
            .headers()
            .get(header)
            .map(|v| v.to_str().unwrap_or("?").into());
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (
            status,
            header,
            serde_json::from_slice(&bytes).expect("JSON body"),
        )
    }

    #[tokio::test]
    async fn the_error_examples_are_the_bodies_the_server_sends() {
        let users = "/paths/~1users/post/responses";
        let user = "/paths/~1users~1{user_id}/get/responses";
        let body = "content/application~1json/example";
        let cases = [
            (
                format!("{users}/400/{body}"),
                ApiError::UnreadableBody,
                400,
                "",
            ),
            (format!("{users}/409/{body}"), ApiError::EmailTaken, 409, ""),
            (
                format!("{users}/413/{body}"),
                ApiError::PayloadTooLarge {
                    limit: MAX_BODY_BYTES,
                },
                413,
                "",
            ),
            (
                format!("{user}/404/{body}"),
                ApiError::NotFound("User not found"),
                404,
                "",
            ),
            (
                format!("/components/responses/DatabaseUnavailable/{body}"),
                ApiError::DatabaseUnavailable,
                503,
                "retry-after",
            ),
            (
                format!("/components/responses/MethodNotAllowed/{body}"),
                ApiError::MethodNotAllowed { allow: "GET" },
                405,
                "allow",
            ),
        ];
        for (pointer, error, status, header) in cases {
            let (real_status, real_header, real_body) = answer(error.into_response(), header).await;
            assert_eq!(real_status, status, "{pointer}");
            assert_eq!(real_body, at(&pointer), "{pointer}");
            if !header.is_empty() {
                assert!(real_header.is_some(), "{pointer}: no {header} header");
            }
        }
        let limit = at(&format!("{users}/413/description"));
        assert!(
            limit
                .as_str()
                .unwrap_or("")
                .contains(&MAX_BODY_BYTES.to_string())
        );
    }

    #[test]
    fn the_validation_examples_are_what_the_validators_return() {
        let examples = at("/paths/~1users/post/responses/422/content/application~1json/examples");
        let bad_age = json!({"name": "Bob", "email": "bob@example.com", "age": "not-a-number"});
        let errors = UserCreate::validate(Some(&bad_age)).expect_err("age is invalid");
        assert_eq!(
            json!({ "detail": errors }),
            examples["age_not_a_number"]["value"]
        );
        let Err(ApiError::Validation(errors)) = parse_json(br#"{"name": }"#) else {
            panic!("a syntax error is a validation error");
        };
        assert_eq!(
            json!({ "detail": errors }),
            examples["invalid_json"]["value"]
        );

        let example =
            at("/paths/~1users~1{user_id}/get/responses/422/content/application~1json/example");
        let error = parse_user_id("abc").expect_err("abc is not an integer");
        assert_eq!(json!({ "detail": [error] }), example);

        let example = at("/paths/~1users/get/responses/422/content/application~1json/example");
        let errors = ListParams::validate(Some("abc"), Some("-1")).expect_err("both are bad");
        assert_eq!(json!({ "detail": errors }), example);
    }

    #[test]
    fn the_request_examples_are_valid_bodies() {
        let examples = at("/paths/~1users/post/requestBody/content/application~1json/examples");
        for (name, example) in examples.as_object().expect("examples") {
            let valid = UserCreate::validate(Some(&example["value"]));
            assert!(valid.is_ok(), "example {name}: {valid:?}");
        }
    }

    #[test]
    fn the_page_is_one_self_contained_document() {
        let page = DOCS_PAGE.as_str();
        assert!(!page.contains("/*STYLE*/") && !page.contains("/*SCRIPT*/"));
        // No URL with a scheme or a protocol-relative one: everything is this origin's.
        for needle in ["http:", "https:", "src=\"//", "href=\"//"] {
            assert!(!page.contains(needle), "the page mentions {needle}");
        }
        assert!(page.contains("fetch(\"/openapi.json\")"));
    }
}

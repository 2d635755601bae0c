//! Unit tests of `src/app/router.rs`, kept beside it so that the module itself stays short.

use super::*;
use crate::percent_decoding::percent_decode;
use RouteName::*;

/// Methods a client may send; the ones a path does not answer get a 405.
const METHODS: [Method; 9] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
    Method::TRACE,
    Method::CONNECT,
];

/// Every `(method, path)` the router answers, read from the route table itself; the
/// OpenAPI document must list exactly these (HEAD, implied by GET, is not listed).
fn operations() -> Vec<(Method, &'static str)> {
    let in_schema = ROUTES.iter().filter(|declared| declared.in_schema);
    in_schema
        .flat_map(|declared| {
            let route = Route {
                declared,
                user_id: "{user_id}",
            };
            // `filter` lends a reference to `iter()`'s `&Method`: `**` reads through both.
            METHODS
                .iter()
                .filter(move |method| **method != Method::HEAD && endpoint(method, route).is_some())
                .map(move |method| (method.clone(), route.template()))
        })
        .collect()
}

/// What `path` matched: the route's name and its `{user_id}` text.
fn matched(path: &str) -> Option<(RouteName, &str)> {
    match_path(path).map(|route| (route.declared.name, route.user_id))
}

#[test]
fn paths_match_with_or_without_a_trailing_slash() {
    assert_eq!(matched("/"), Some((Health, "")));
    assert_eq!(matched("/users"), Some((Users, "")));
    assert_eq!(matched("/users/"), Some((Users, "")));
    assert_eq!(matched("/users/7"), Some((User, "7")));
    assert_eq!(matched("/users/7/"), Some((User, "7")));
    // Starlette strips every trailing slash before it looks for a redirect.
    assert_eq!(matched("/users/7//"), Some((User, "7")));
    assert_eq!(matched("/docs///"), Some((Docs, "")));
    // Python's `$` matches before a final newline.
    assert_eq!(matched("/users/\n"), Some((Users, "")));
    assert_eq!(matched("/docs\n"), Some((Docs, "")));
    assert_eq!(matched("/\n"), Some((Health, "")));
    assert_eq!(matched("/users/1\n"), Some((User, "1\n")));
    assert_eq!(matched("/users/abc"), Some((User, "abc")));
}

#[test]
fn other_paths_match_nothing() {
    for path in [
        "/nope",
        "/users/1/2",
        "/users//",
        "//",
        "///",
        "/userss",
        "",
        "/usersx/1",
        "/users\n",
        "/docs/\n",
        "users",
    ] {
        assert_eq!(matched(path), None, "{path:?}");
    }
}

#[test]
fn percent_escapes_are_decoded_before_matching() {
    assert_eq!(matched(&percent_decode("/users/%31")), Some((User, "1")));
    assert_eq!(matched(&percent_decode("/users/1%2F2")), None);
}

#[test]
fn the_table_is_in_the_order_of_its_names() {
    for (index, declared) in ROUTES.iter().enumerate() {
        assert_eq!(declared.name as usize, index, "{declared:?}");
    }
}

#[test]
fn allow_lists_the_methods_of_each_path() {
    // Starlette names the first matching route's methods: POST for /users.
    assert_eq!(ROUTES[Users as usize].allow, "POST");
    assert_eq!(ROUTES[User as usize].allow, "GET");
    for declared in &ROUTES {
        let route = Route {
            declared,
            user_id: "1",
        };
        let answered: Vec<&str> = METHODS
            .iter()
            .filter(|method| endpoint(method, route).is_some())
            .map(Method::as_str)
            .collect();
        let allow: Vec<&str> = declared.allow.split(", ").collect();
        assert!(allow.iter().all(|m| answered.contains(m)), "{declared:?}");
    }
}

#[test]
fn the_docs_routes_answer_head_as_starlette_routes_do() {
    for name in [OpenApi, Docs, Redoc, OAuth2Redirect] {
        let declared = &ROUTES[name as usize];
        let route = Route {
            declared,
            user_id: "",
        };
        assert!(endpoint(&Method::HEAD, route).is_some(), "{name:?}");
        assert_eq!(declared.allow, "GET, HEAD");
    }
    let health = Route {
        declared: &ROUTES[Health as usize],
        user_id: "",
    };
    assert!(endpoint(&Method::HEAD, health).is_none());
    assert_eq!(matched("/redoc"), Some((Redoc, "")));
    assert_eq!(
        matched("/docs/oauth2-redirect/"),
        Some((OAuth2Redirect, ""))
    );
}

#[test]
fn every_route_matches_its_own_template() {
    for declared in &ROUTES {
        let route = match_path(declared.template()).expect(declared.path);
        assert_eq!(route.declared, declared);
    }
    assert_eq!(matched("/docs/"), Some((Docs, "")));
}

#[test]
fn the_openapi_document_lists_exactly_the_routes_of_the_table() {
    let in_router: std::collections::BTreeSet<(String, String)> = operations()
        .into_iter()
        .map(|(method, path)| (method.as_str().to_string(), path.to_string()))
        .collect();
    let document: serde_json::Value =
        serde_json::from_str(crate::api_docs::OPENAPI_JSON).expect("openapi.json is valid JSON");
    let mut in_document = std::collections::BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            in_document.insert((method.to_ascii_uppercase(), path.clone()));
        }
    }
    assert_eq!(
        in_router, in_document,
        "left: what src/app/router.rs answers; right: what openapi.json lists"
    );
}

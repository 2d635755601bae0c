//! Unit tests of `src/router.rs`, kept beside it so that the module itself stays short.

use super::*;

#[test]
fn paths_match_with_or_without_a_trailing_slash() {
    assert_eq!(match_path("/"), Some(Route::Health));
    assert_eq!(match_path("/users"), Some(Route::Users));
    assert_eq!(match_path("/users/"), Some(Route::Users));
    assert_eq!(match_path("/users/7"), Some(Route::User("7")));
    assert_eq!(match_path("/users/7/"), Some(Route::User("7")));
    // Starlette strips every trailing slash before it looks for a redirect.
    assert_eq!(match_path("/users/7//"), Some(Route::User("7")));
    assert_eq!(match_path("/docs///"), Some(Route::Docs));
    // Python's `$` matches before a final newline.
    assert_eq!(match_path("/users/\n"), Some(Route::Users));
    assert_eq!(match_path("/docs\n"), Some(Route::Docs));
    assert_eq!(match_path("/users/1\n"), Some(Route::User("1\n")));
    assert_eq!(match_path("/users/abc"), Some(Route::User("abc")));
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
    ] {
        assert_eq!(match_path(path), None, "{path:?}");
    }
}

#[test]
fn allow_lists_the_methods_of_each_path() {
    // Starlette names the first matching route's methods: POST for /users.
    assert_eq!(Route::Users.allowed_methods(), "POST");
    assert_eq!(Route::User("1").allowed_methods(), "GET");
    for route in Route::ALL {
        let answered: Vec<&str> = METHODS
            .iter()
            .filter(|method| route.endpoint(method).is_some())
            .map(Method::as_str)
            .collect();
        let allow: Vec<&str> = route.allowed_methods().split(", ").collect();
        assert!(allow.iter().all(|m| answered.contains(m)), "{route:?}");
    }
}

#[test]
fn the_docs_routes_answer_head_as_starlette_routes_do() {
    for route in [
        Route::OpenApi,
        Route::Docs,
        Route::Redoc,
        Route::OAuth2Redirect,
    ] {
        assert!(route.endpoint(&Method::HEAD).is_some(), "{route:?}");
        assert_eq!(route.allowed_methods(), "GET, HEAD");
    }
    assert!(Route::Health.endpoint(&Method::HEAD).is_none());
    assert_eq!(match_path("/redoc"), Some(Route::Redoc));
    assert_eq!(
        match_path("/docs/oauth2-redirect/"),
        Some(Route::OAuth2Redirect)
    );
}

#[test]
fn every_route_matches_its_own_path() {
    for route in Route::ALL {
        assert_eq!(match_path(&route.path()), Some(route));
    }
    assert_eq!(match_path("/docs/"), Some(Route::Docs));
}

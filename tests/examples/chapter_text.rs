//! What the chapters say about themselves: each opens with the FastAPI lines it
//! replaces, each names the files of src/ that do what it leaves out (src/ is
//! restructured now and then, and a path that moved must be corrected in the chapter,
//! not left to mislead), and the sizes examples/README.md promises hold.

use std::path::Path;

/// Each chapter, its source, and the most lines it may have (examples/README.md).
const CHAPTERS: [(&str, &str, usize); 4] = [
    ("ch1_hello", include_str!("../../examples/ch1_hello.rs"), 45),
    (
        "ch2_routes",
        include_str!("../../examples/ch2_routes.rs"),
        250,
    ),
    (
        "ch3_validation",
        include_str!("../../examples/ch3_validation.rs"),
        250,
    ),
    (
        "ch4_users_api",
        include_str!("../../examples/ch4_users_api.rs"),
        250,
    ),
];

/// The words of `text` that are src/ paths, without the punctuation around them.
fn src_paths(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || "(),;:`".contains(c))
        .map(|word| word.trim_end_matches('.'))
        .filter(|word| word.starts_with("src/") && word.len() > "src/".len())
        .collect()
}

#[test]
fn each_chapter_opens_with_the_fastapi_lines_it_replaces() {
    for (number, (name, source, _)) in CHAPTERS.iter().enumerate() {
        let doc: Vec<&str> = source
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .collect();
        let title = format!("//! Chapter {}, ", number + 1);
        assert!(doc[0].starts_with(&title), "{name} opens with {:?}", doc[0]);
        let python = doc.iter().position(|line| *line == "//! ```python");
        let python = python.unwrap_or_else(|| panic!("{name}: no ```python block in its //!"));
        assert!(python <= 4, "{name}: the FastAPI lines come first");
        assert!(
            doc.len() <= 20,
            "{name}: a //! of {} lines is no longer short",
            doc.len()
        );
    }
}

#[test]
fn the_src_paths_each_chapter_names_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, source, _) in CHAPTERS {
        let doc: String = source.lines().filter(|l| l.starts_with("//!")).collect();
        let named = src_paths(&doc);
        assert!(
            !named.is_empty(),
            "{name} says nowhere where src/ does more"
        );
        for path in named {
            assert!(
                root.join(path).exists(),
                "examples/{name}.rs names {path}, which does not exist"
            );
        }
    }
    assert_eq!(
        src_paths("(src/db/link/), src/api_docs.rs. `src/app/`:"),
        ["src/db/link/", "src/api_docs.rs", "src/app/"]
    );
}

#[test]
fn the_chapters_stay_as_short_as_the_readme_says() {
    for (name, source, most) in CHAPTERS {
        let lines = source.lines().count();
        assert!(
            lines <= most,
            "examples/{name}.rs has {lines} lines, more than {most}: a first program must stay small"
        );
    }
}

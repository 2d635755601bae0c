# The users API as a container image, in two stages.
#   build:   the official Rust image compiles the release binary;
#   runtime: distroless "cc" runs it: glibc, libgcc, CA certificates, a passwd file, and no
#            shell or package manager, as the unprivileged user nonroot (uid 65532).
# The seed's Dockerfile is one stage on python:3.11-slim, because Python needs its
# interpreter and the app's source at run time. A Rust program needs only its binary and
# the C library, so the compiler (over 1 GB) stays behind in the build stage.
# (A static musl binary on `scratch` would be smaller still, but needs a Rust target this
# project's machines cannot download; glibc + distroless is the next best.)

FROM rust:1-slim-bookworm AS build
WORKDIR /src

# 1. The dependencies alone, in a layer that stays cached until Cargo.toml or Cargo.lock
#    change: the seed's "COPY requirements.txt, pip install, then COPY the code" trick.
#    Cargo builds dependencies only as part of a crate, so it gets a dummy one (an empty
#    library and main); `cargo clean -p userapi` then forgets the dummy, so step 2 cannot
#    mistake it for up to date.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked \
 && cargo clean --release --locked -p userapi \
 && rm -rf src

# 2. The crate itself: when only src/ changed, the build resumes here.
COPY init.sql ./
COPY src ./src
RUN cargo build --release --locked

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/userapi /usr/local/bin/userapi
# The :nonroot image already runs as 65532; saying so keeps it true if the base changes.
# A number, not a name, so that orchestrators can verify "not root" without a passwd file.
USER 65532:65532
EXPOSE 8000
# The admin port (/live, /ready, /metrics), served only when ADMIN_PORT=9000 is set, as
# docker-compose.yml does.
EXPOSE 9000
# No shell here, so the probe is the binary itself (src/healthcheck.rs): GET / on $PORT.
HEALTHCHECK --interval=5s --timeout=3s --retries=3 CMD ["/usr/local/bin/userapi", "--healthcheck"]
ENTRYPOINT ["/usr/local/bin/userapi"]

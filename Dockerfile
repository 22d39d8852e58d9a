# One multi-stage Dockerfile for every binary of the workspace; SERVICE picks which one:
#   docker build --build-arg SERVICE=course-service --build-arg PORT=4002 -t lms/course-service .
#   docker build --build-arg SERVICE=course-service --build-arg FEATURES=course-service/s3 ...   (cargo features)
# SERVICE is one of: gateway, auth-service, course-service, progress-service, payment-service,
# certificate-service, stripe-sim.
#
# The build stage does not depend on SERVICE: it compiles the whole workspace once (every binary), so
# `docker compose build` compiles the dependency tree once for all six images and each image only copies its
# binary. Dependencies are compiled by cargo-chef from a recipe that holds only the manifests and Cargo.lock,
# so that layer is reused until a dependency changes; editing a source file rebuilds only the workspace
# crates. No `# syntax=` line on purpose: the Dockerfile frontend built into BuildKit is used, so an offline
# build never fetches one from a registry. The runtime image is distroless: glibc, CA certificates and a
# non-root user, no shell, no package manager, no curl (health checks run `service healthcheck`).
#
# Every base image is a build argument, with today's public images as defaults. Where no registry is
# reachable, scripts/compose-test makes its own and passes them (BUILDER_IMAGE: a Debian bookworm with this
# machine's Rust toolchain and cargo-chef; RUNTIME_IMAGE: the distroless cc equivalent).

ARG RUST_VERSION=1.95.0
ARG DEBIAN_RELEASE=bookworm
ARG CARGO_CHEF_VERSION=0.1.78
# The Rust toolchain the build runs on. An image that already has cargo-chef on its PATH skips its install.
ARG BUILDER_IMAGE=rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE}
# distroless/cc for Debian 12 (the build stage's glibc), running as its `nonroot` user (65532).
# Production builds pin the digest too: --build-arg RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot@sha256:...
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

# --- tools --------------------------------------------------------------------------------------------
FROM ${BUILDER_IMAGE} AS chef
ARG CARGO_CHEF_VERSION
RUN command -v cargo-chef >/dev/null \
    || { cargo install cargo-chef --locked --version "${CARGO_CHEF_VERSION}" && rm -rf "${CARGO_HOME:-/usr/local/cargo}/registry"; }
WORKDIR /src

# --- recipe: manifests and lock file only --------------------------------------------------------------
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# --- build: the whole workspace, once for every image ----------------------------------------------------
FROM chef AS build
# Comma-separated cargo features, workspace-wide (`course-service/s3` for course-service's S3 media store).
# The same for every image, so the images share this stage.
ARG FEATURES=""
COPY --from=planner /src/recipe.json recipe.json
# Dependencies only: cached as a layer until Cargo.toml or Cargo.lock change.
RUN cargo chef cook --release --workspace ${FEATURES:+--features "${FEATURES}"} --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --workspace --bins ${FEATURES:+--features "${FEATURES}"} \
    && mkdir -p /out/bin \
    && find target/release -maxdepth 1 -type f -executable -exec install -t /out/bin {} + \
    && install -d /out/data/media

# --- pick: SERVICE's binary (cheap, one per image) ----------------------------------------------------------
FROM build AS pick
ARG SERVICE
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<crate>" >&2; exit 1; }
RUN test -x "/out/bin/${SERVICE}" || { echo "no binary named ${SERVICE}: $(ls /out/bin)" >&2; exit 1; }
RUN install -D "/out/bin/${SERVICE}" /out/service

# --- runtime ----------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
ARG RUNTIME_IMAGE
ARG SERVICE
# The port the service listens on (EXPOSE and PORT); compose passes each service's own.
ARG PORT=4000
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="lms-${SERVICE}" \
      org.opencontainers.image.description="LMS backend: ${SERVICE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.vendor="LMS" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
# The binary stays root-owned (the service cannot rewrite it); only the media directory is the user's.
COPY --from=pick /out/service /usr/local/bin/service
COPY --from=build --chown=65532:65532 /out/data /data
ENV APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=${PORT} \
    LOG_JSON=true \
    MEDIA_DIR=/data/media
EXPOSE ${PORT}
USER 65532:65532
WORKDIR /data
STOPSIGNAL SIGTERM
# No HEALTHCHECK here: compose and Kubernetes define their own (compose: `service healthcheck`, which asks
# /readyz; Kubernetes: httpGet probes), and not every binary built from this file serves /readyz on PORT.
ENTRYPOINT ["/usr/local/bin/service"]

# syntax=docker/dockerfile:1.7
# One multi-stage Dockerfile for every binary of the workspace; SERVICE picks which one:
#   docker build --build-arg SERVICE=course-service -t lms/course-service .
# SERVICE is one of: gateway, auth-service, course-service, progress-service, payment-service, stripe-sim.

ARG RUST_VERSION=1.95.0
ARG DEBIAN_RELEASE=bookworm

# --- build ------------------------------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build
ARG SERVICE
WORKDIR /src
COPY . .
# The registry and target caches survive between builds of different services.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target,sharing=locked \
    test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<crate>" >&2; exit 1; } \
    && cargo build --release --locked --package "${SERVICE}" \
    && install -D "target/release/${SERVICE}" /out/service

# --- runtime ----------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
ARG SERVICE
# ca-certificates for TLS to Stripe/SMTP/S3; curl for the compose health checks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /data/media \
    && chown app:app /data/media
COPY --from=build /out/service /usr/local/bin/service
LABEL org.opencontainers.image.title="lms-${SERVICE}"
ENV APP_ENV=production \
    HOST=0.0.0.0 \
    LOG_JSON=true \
    MEDIA_DIR=/data/media
USER 10001:10001
WORKDIR /data
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/service"]

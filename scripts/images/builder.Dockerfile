# The build stage's base where no registry is reachable (scripts/compose-test): Debian bookworm from
# debootstrap, the C tools the build needs, and this machine's own Rust toolchain (the one
# rust-toolchain.toml pins, copied into the build context as toolchain/), plus cargo-chef built from crates.io.
# Stands in for rust:<version>-slim-bookworm. Built with --network host (Debian's and crates.io's packages).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc g++ libc6-dev make pkg-config ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY toolchain /usr/local/rust
ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:$PATH \
    CARGO_HOME=/usr/local/cargo
ARG CARGO_CHEF_VERSION
RUN cargo install cargo-chef --locked --version "${CARGO_CHEF_VERSION}" \
    && rm -rf /usr/local/cargo/registry \
    && cargo --version && rustc --version && cargo chef --version

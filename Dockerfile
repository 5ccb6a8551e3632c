# syntax=docker/dockerfile:1
# One image for every Mart service: `mart serve <service>`, `mart seed`, `mart up`.
# The playground bundle (web-playground/dist) is committed and embedded at compile time,
# so the build needs no Node.

FROM rust:1.95-bookworm AS builder
# make and a C compiler build the bundled librdkafka, against OpenSSL for Kafka's TLS and
# SASL/SCRAM (already in this image; listed so a slimmer base keeps working).
RUN apt-get update \
 && apt-get install -y --no-install-recommends make gcc g++ pkg-config libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY . .
# Cache mounts keep the registry and compiled dependencies between image builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/build/target \
    cargo build --release --locked --bin mart \
 && cp target/release/mart /usr/local/bin/mart

FROM debian:bookworm-slim
# curl is for the container health checks (GET /health); libssl3 for librdkafka's TLS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /app --uid 10001 mart \
 && mkdir -p /app/data /app/schema \
 && chown mart:mart /app/data
COPY --from=builder /usr/local/bin/mart /usr/local/bin/mart
# The router reads the composed supergraph from schema/supergraph.graphql (relative to
# the working directory) at start.
COPY schema/supergraph.graphql /app/schema/supergraph.graphql
WORKDIR /app
USER mart
ENTRYPOINT ["mart"]
CMD ["--help"]

# The Redis stand-in where no registry is reachable: Debian bookworm's redis-server and redis-cli, with a
# docker-entrypoint.sh that, like the redis image's, runs the server as the redis user in /data. The compose
# service's own entrypoint, command and health check work on it unchanged.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
EXPOSE 6379
CMD ["redis-server"]

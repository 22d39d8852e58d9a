# The MongoDB stand-in where no registry (and no MongoDB package) is reachable: SecantusDB, a MongoDB-wire
# server on WiredTiger, from PyPI, pinned as scripts/lib.sh pins it. Data in /data/db like mongo's image.
# Built with --network host (Debian's packages and PyPI).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/*
ARG SECANTUSDB_VERSION
RUN python3 -m venv /opt/secantusdb \
    && /opt/secantusdb/bin/pip install --cert /etc/ssl/certs/ca-certificates.crt --no-cache-dir --disable-pip-version-check "SecantusDB==${SECANTUSDB_VERSION}" \
    && mkdir -p /data/db
EXPOSE 27017
CMD ["/opt/secantusdb/bin/secantusd-py", "--host", "0.0.0.0", "--port", "27017", "--storage-path", "/data/db", "--log-level", "WARNING"]

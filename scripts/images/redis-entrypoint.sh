#!/bin/sh
# As the redis image's entrypoint does: the server runs as the redis user, in /data (its volume).
set -e
if [ "$(id -u)" = 0 ]; then
  chown -R redis:redis /data 2>/dev/null || true
  exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"

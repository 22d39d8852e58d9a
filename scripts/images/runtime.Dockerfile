# The runtime base where no registry is reachable (scripts/compose-test): what distroless/cc-debian12:nonroot
# holds, from Debian bookworm's own packages: glibc, libgcc, libstdc++, CA certificates, time zones, and the
# users root and nonroot (65532). No shell, no package manager.
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS packages
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata libstdc++6 netbase \
    && rm -rf /var/lib/apt/lists/* \
    && rm -f /usr/local/share/ca-certificates/*.crt && update-ca-certificates --fresh >/dev/null
# The files of the packages distroless/cc carries, and nothing else. Bookworm's /lib and /lib64 are links
# into /usr: each file is copied under its directory's real path, and the two links are made again.
RUN mkdir -p /rootfs/etc /rootfs/tmp /rootfs/home/nonroot \
    && for pkg in libc6 libgcc-s1 libstdc++6 tzdata ca-certificates netbase; do \
         dpkg -L "$pkg" | while read -r f; do \
           if [ -f "$f" ] || [ -L "$f" ]; then \
             real="$(readlink -f "$(dirname "$f")")/$(basename "$f")"; \
             cp -a --parents "$real" /rootfs; \
           fi; \
         done; \
       done \
    && ln -s usr/lib /rootfs/lib && ln -s usr/lib64 /rootfs/lib64 \
    && cp -a --parents /etc/ssl/certs /rootfs \
    && rm -rf /rootfs/usr/share/doc /rootfs/usr/share/man /rootfs/usr/share/lintian /rootfs/usr/share/locale \
       /rootfs/usr/bin /rootfs/usr/sbin \
    && printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > /rootfs/etc/passwd \
    && printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > /rootfs/etc/group \
    && chmod 1777 /rootfs/tmp && chown 65532:65532 /rootfs/home/nonroot \
    && test -e /rootfs/lib64/ld-linux-x86-64.so.2 && test -e /rootfs/lib/x86_64-linux-gnu/libc.so.6

FROM scratch
COPY --from=packages /rootfs /
USER 65532:65532
WORKDIR /home/nonroot

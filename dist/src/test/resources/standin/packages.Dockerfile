# The packages of the stand-in base: what the real base has and the template relies on. nodejs and npm (agents),
# git, sudo (agent's passwordless sudo), docker.io (CLI and engine) and iptables (its networking), curl (SSE from
# inside), procps (ps). The resulting image is cached (docker save) under a hash of rootfs.sh and this file.
ARG ROOTFS_IMAGE
FROM ${ROOTFS_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      sudo git nodejs npm docker.io iptables curl ca-certificates procps \
 && rm -rf /var/lib/apt/lists/*

#!/bin/sh
# The stand-in for docker/sandbox-templates:claude-code starts as a minimal Debian bookworm from Debian's mirror (no
# registry is reachable in tests); packages.Dockerfile adds the packages. Usage: rootfs.sh ROOTFS_DIR MIRROR
set -eu
debootstrap --variant=minbase bookworm "$1" "$2"
rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/archives/*.deb

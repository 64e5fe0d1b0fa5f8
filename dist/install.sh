#!/bin/sh
# Installs a sandbox-agent distribution tarball (made by `mvn -B -q package -DskipTests`, see
# docs/docker-sandboxes.md):
#
#   install.sh [--prefix DIR] TARBALL_OR_URL
#
#   DIR/lib/sandbox-agent/        bin/sandbox-agent, lib/sandbox-agent.jar, lib/runtime (its own Java), ...
#   DIR/bin/sandbox-agent         a symlink to the launcher
#
# DIR defaults to /usr/local. The tarball's SHA-256 is checked against TARBALL.sha256 (for a URL: URL.sha256,
# fetched with curl or wget) before anything is touched. Installing the same tarball again changes nothing; another
# one replaces the installed tree by renaming (the old tree stays whole until the new one is complete).
set -eu

usage() {
  echo "usage: install.sh [--prefix DIR] TARBALL_OR_URL" >&2
  exit 2
}

prefix=/usr/local
source=
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    -h|--help) sed -n '2,12p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "install.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$source" ] || usage; source=$1; shift ;;
  esac
done
[ -n "$source" ] || usage

say() { echo "install.sh: $*"; }
die() { echo "install.sh: error: $*" >&2; exit 1; }

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    die "neither sha256sum nor shasum is installed: cannot verify the checksum"
  fi
}

fetch() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die "neither curl nor wget is installed: cannot download $1"
  fi
}

mkdir -p "$prefix/lib" "$prefix/bin" || die "cannot create $prefix/lib and $prefix/bin"
prefix=$(cd "$prefix" && pwd -P)
home=$prefix/lib/sandbox-agent
# Staging next to the target: the final rename stays on one file system.
work=$(mktemp -d "$prefix/lib/.sandbox-agent-install.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

case $source in
  http://*|https://*)
    tarball=$work/$(basename "$source")
    say "downloading $source"
    fetch "$source" "$tarball" || die "could not download $source"
    fetch "$source.sha256" "$tarball.sha256" || die "could not download $source.sha256 (the checksum)"
    ;;
  *)
    [ -f "$source" ] || die "no such file: $source"
    tarball=$source
    [ -f "$source.sha256" ] || die "no checksum file $source.sha256 next to the tarball"
    cp "$source.sha256" "$work/checksum"
    ;;
esac
sums=$tarball.sha256
[ -f "$sums" ] || sums=$work/checksum

expected=$(sed -n '1s/^\([0-9a-fA-F]\{64\}\).*/\1/p' "$sums")
[ -n "$expected" ] || die "$sums holds no SHA-256"
actual=$(sha256_of "$tarball")
[ "$actual" = "$expected" ] || die "checksum mismatch for $source: expected $expected, got $actual"
say "checksum ok ($actual)"

link() {
  # A relative target would break if the prefix moved; the launcher resolves symlinks to find its jar.
  ln -sf "$home/bin/sandbox-agent" "$work/link"
  mv -f "$work/link" "$prefix/bin/sandbox-agent"
}

if [ -f "$home/.sha256" ] && [ "$(cat "$home/.sha256")" = "$actual" ] && [ -x "$home/bin/sandbox-agent" ]; then
  link
  say "already installed: $(cat "$home/.version" 2>/dev/null || echo sandbox-agent) in $home (same checksum); nothing changed"
  say "$prefix/bin/sandbox-agent -> $home/bin/sandbox-agent"
  exit 0
fi

mkdir "$work/unpacked"
# --no-same-owner: files belong to whoever installs, not to the build machine's user.
tar -xzf "$tarball" -C "$work/unpacked" --no-same-owner || die "could not unpack $tarball"
top=$(ls "$work/unpacked")
[ "$(echo "$top" | wc -l)" -eq 1 ] && [ -x "$work/unpacked/$top/bin/sandbox-agent" ] \
  || die "$tarball is not a sandbox-agent distribution (expected one directory with bin/sandbox-agent)"
tree=$work/unpacked/$top
echo "$actual" >"$tree/.sha256"
echo "$top" >"$tree/.version"

if [ -e "$home" ]; then
  mv "$home" "$work/previous"
  mv "$tree" "$home"
  say "replaced $(cat "$work/previous/.version" 2>/dev/null || echo 'a previous install') with $top in $home"
else
  mv "$tree" "$home"
  say "installed $top in $home"
fi
link
say "$prefix/bin/sandbox-agent -> $home/bin/sandbox-agent"

#!/bin/sh
# Builds the distribution tarball at package time (run by dist/pom.xml; see docs/docker-sandboxes.md):
#
#   sandbox-agent-<version>-linux-x64/
#     bin/sandbox-agent            the launcher (the repository's bin/sandbox-agent)
#     lib/sandbox-agent.jar        the fat jar
#     lib/sandbox-agent-cli.jar    the api jar: what `api ...` and `--version` run (the client's classes alone)
#     lib/runtime/                 a jlink'd Java runtime with only the modules the jar needs (jdeps)
#     lib/sandbox-agent-server.aot the start-up archive of a server start: an AOT cache for the runtime's JDK 25+
#                                  (a static AppCDS archive, .jsa, for an older runtime)
#     lib/sandbox-agent-cli.jsa    and those of trained `api` commands: get, events, create and send-message,
#     lib/sandbox-agent-cli-read.jsa and list and --version (a smaller archive for the commonest command)
#     install.sh                   the installer
#
# and next to the tarball its .sha256. Usage: build.sh JAR VERSION OUT_DIR BUILD_JAVA_HOME (the api jar is
# JAR's sibling sandbox-agent-cli.jar, made by the same clients/cli build)
#
# It also trains the same three archives for the source checkout (next to JAR, for BUILD_JAVA_HOME, named after it),
# so that the README's `mvn -B -q package -DskipTests && bin/sandbox-agent server` starts from an archive.
#
# The runtime comes from SANDBOX_AGENT_DIST_JDK if set, else the newest JDK under /usr/lib/jvm that is at least 19,
# else the JDK running the build. Why prefer a newer one: a JDK 17 class-data archive records the jar's absolute
# path and refuses to load anywhere else, so an archive made here would never be used after an install; from
# JDK 19 on the archive follows the jar when the whole tree moves (measured in docs/benchmarks.md).
set -eu

jar=$1 version=$2 out=$3 build_jdk=$4
name=sandbox-agent-$version-linux-x64
here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(dirname "$here")

major_of() { # the feature version of the JDK at $1, from its release file
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null  || true
}

jdk=${SANDBOX_AGENT_DIST_JDK:-}
if [ -z "$jdk" ]; then
  best=0
  for candidate in /usr/lib/jvm/*; do
    m=$(major_of "$candidate")
    if [ -n "$m" ] && [ -x "$candidate/bin/jlink" ] && [ "$m" -ge 19 ] && [ "$m" -gt "$best" ]; then
      jdk=$candidate best=$m
    fi
  done
  [ -n "$jdk" ] || jdk=$build_jdk
fi
major=$(major_of "$jdk")
[ -x "$jdk/bin/jlink" ] || { echo "dist: no jlink in $jdk (a JDK, not a JRE, is needed)" >&2; exit 1; }

stage=$out/stage
rm -rf "$stage" "$out/$name.tar.gz" "$out/$name.tar.gz.sha256"
root=$stage/$name
mkdir -p "$root/bin" "$root/lib"
cp "$jar" "$root/lib/sandbox-agent.jar"
api_jar=$(dirname "$jar")/sandbox-agent-cli.jar
[ -f "$api_jar" ] || { echo "dist: no api jar $api_jar (clients/cli's package build makes it)" >&2; exit 1; }
cp "$api_jar" "$root/lib/sandbox-agent-cli.jar"
cp "$repo/bin/sandbox-agent" "$root/bin/sandbox-agent"
cp "$here/install.sh" "$root/install.sh"
chmod 755 "$root/bin/sandbox-agent" "$root/install.sh"

# The modules the jar uses, per jdeps (Netty needs jdk.unsupported, SQLite java.sql, ...), plus jdk.crypto.ec,
# which jdeps cannot see (TLS finds it through a provider lookup) and https clients need.
modules=$("$jdk/bin/jdeps" -q --ignore-missing-deps --print-module-deps --multi-release "$major" "$jar")
modules=$modules,jdk.crypto.ec
echo "dist: jlink JDK $major ($jdk), modules $modules"
options=
if [ "$major" -ge 22 ]; then
  # SQLite and pty4j load their native libraries; from JDK 22 that prints a warning on every start unless allowed.
  options=--add-options=--enable-native-access=ALL-UNNAMED
fi
# --generate-cds-archive: the runtime's own base archive (JDK classes), which the app archive below extends.
make_runtime() {
  # shellcheck disable=SC2086
  "$jdk/bin/jlink" --add-modules "$modules" $options --strip-debug --no-man-pages --no-header-files \
    --generate-cds-archive --output "$root/lib/runtime" >/dev/null # it reports the archive it made on stdout
}
if ! make_runtime; then
  # Once, with five builds at a time on this 2-core machine, Temurin 25.0.3's `java -Xshare:dump` that jlink runs for
  # the base archive died of a SIGSEGV in AOTClassLocationConfig::dumptime_init_helper (a JVM crash, not our input;
  # the same build passed when run again). One more try from scratch; a second failure fails the build.
  echo "dist: jlink failed; trying once more" >&2
  rm -rf "$root/lib/runtime"
  make_runtime
fi
# Only needed for heaps over 32 GB (no compressed oops); a CLI and this server never use one.
rm -f "$root/lib/runtime/lib/server/classes_nocoops.jsa"

runtime_kb=$(du -sk "$root/lib/runtime" | cut -f1)

# The start-up archives, each made by runs through the launcher given, so each is made with the very flags and java
# it will be used with and lands where that launcher looks (NAME.new; renamed here once every run succeeded). Both
# are static: each replaces the JDK's own archive and holds exactly the classes its training loaded.
# - the server's (docs/benchmarks.md "A static archive for the server"): a real server start and its first
#   health answer with SANDBOX_AGENT_CDS=record (the JVM writes the classes it loads to a class list; stopped with
#   TERM), then SANDBOX_AGENT_CDS=dump, which archives exactly those classes (on JDK 25+ the record run writes an
#   AOT cache of those classes at exit instead, and dump only checks it: docs/benchmarks.md "Server start, session
#   9"). A session's and a turn's classes are left out on purpose: an archive is resident in full from the start,
#   so each class in it costs idle memory;
# - the api commands' (docs/benchmarks.md "CLI round trip, session 8"): the common api commands, `send-message
#   --wait` among them (client, JSON, event rendering: what every `docker sandbox exec ... sandbox-agent api ...`
#   loads), against a second server; the launcher adds each recorded command's classes to its archive's list and
#   dumps that archive anew. Two archives: list and --version, which load no Jackson, no java.time and no
#   Formatter, record into one of their own (cli-read), the others into the other (cli); each command maps only
#   its own, and a smaller archive costs less to map (docs/benchmarks.md "CLI round trip, session 12").
# train LAUNCHER ARCHIVE_DIR LABEL [JAVA_HOME]
train() {
  launcher=$1 archives=$2 label=$3
  work=$out/train-$label
  rm -rf "$work" "$archives"/sandbox-agent-server*.new "$archives"/sandbox-agent-server*.classlist \
    "$archives"/sandbox-agent-server*.classlist.start \
    "$archives"/sandbox-agent-cli*.new "$archives"/sandbox-agent-cli*.classlist
  mkdir -p "$work"
  (
    [ -z "${4:-}" ] || export JAVA_HOME="$4"
    unset SANDBOX_AGENT_JAVA_OPTS SANDBOX_AGENT_URL SANDBOX_AGENT_TOKEN
    export HOME="$work"
    # start_server CDS_MODE DATA_DIR: starts a server in the background (pid in $server) and waits for its URL ($url)
    start_server() {
      SANDBOX_AGENT_DATA_DIR="$2" SANDBOX_AGENT_CDS=$1 "$launcher" server --no-token --port 0 --docker off \
        --data-dir "$2" >"$work/server.log" 2>&1 &
      server=$!
      url=
      tries=0
      while [ -z "$url" ] && [ "$tries" -lt 1200 ] && kill -0 "$server" 2>/dev/null; do
        url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/server.log" | head -n 1)
        [ -n "$url" ] || sleep 0.1
        tries=$((tries + 1))
      done
      [ -n "$url" ]
    }
    stop_server() {
      kill "$server" 2>/dev/null || true
      wait "$server" 2>/dev/null || true
    }
    status=0
    # The server's class list: its start and the first health answer (the classes of the request path), nothing
    # else. With neither curl nor wget the list lacks the request's classes: a valid archive, a slower first answer.
    if start_server record "$work/data-start"; then
      if command -v curl >/dev/null 2>&1; then
        curl -sf -o /dev/null "$url/v1/health" || status=$?
      elif command -v wget >/dev/null 2>&1; then
        wget -q -O /dev/null "$url/v1/health" || status=$?
      fi
      sleep 1 # what the answer queued behind it is loaded too (not the body schemas: the first request with a body
      # builds them, so their classes stay out of the archive, every page of which is resident)
      # The list as it stands now, before the stop: the JVM adds each class to it as it loads it, and what the stop
      # loads (a log record, Vert.x's and Netty's close: ~60 lines, more or fewer as far as the JVM gets before it
      # exits) has no place in the archive (docs/benchmarks.md "Idle RSS, session 11").
      for list in "$archives"/sandbox-agent-server*.classlist; do
        [ ! -f "$list" ] || cp "$list" "$list.start"
      done
    else
      status=1
    fi
    stop_server
    for list in "$archives"/sandbox-agent-server*.classlist; do
      [ ! -f "$list.start" ] || mv "$list.start" "$list"
    done
    if [ "$status" -eq 0 ]; then
      SANDBOX_AGENT_CDS=dump "$launcher" server >"$work/dump.log" 2>&1 || { status=$?; cat "$work/dump.log" >&2; }
    fi
    [ "$status" -eq 0 ] || exit "$status"
    if start_server off "$work/data"; then
      export SANDBOX_AGENT_URL="$url"
      # Output only on failure: otherwise it is noise (the commands' output, the JVM's notes on classes it
      # cannot archive).
      # Each api archive is a static one made from the class list of every command recorded into it (the launcher
      # adds each command's classes to its archive's list and dumps that archive anew): the common commands, so
      # that none of them loads a class from the jar or the JDK's modules instead of the archive. list and
      # --version go to cli-read, the others to cli (bin/sandbox-agent picks the archive by the command's words).
      # The list is given --url so that an option's value is parsed (the parser's classes for it), as `-m` is in
      # send-message's: cli-read holds no other command's classes.
      { SANDBOX_AGENT_CDS=off "$launcher" api sessions create warm --agent mock &&
        SANDBOX_AGENT_CDS=off "$launcher" api sessions send-message warm -m "echo warm" --wait &&
        SANDBOX_AGENT_CDS=record "$launcher" api sessions list --url "$url" &&
        SANDBOX_AGENT_CDS=record "$launcher" api sessions get warm &&
        SANDBOX_AGENT_CDS=record "$launcher" --version &&
        SANDBOX_AGENT_CDS=record "$launcher" api sessions events warm &&
        SANDBOX_AGENT_CDS=record "$launcher" api sessions create train --agent mock &&
        SANDBOX_AGENT_CDS=record "$launcher" api sessions send-message train -m "echo trained" --wait
      } >"$work/train.log" 2>&1 || status=$?
    else
      status=1
    fi
    stop_server
    exit "$status"
  ) || { echo "dist: the $label training run failed; its output and the server log:" >&2
    cat "$work/train.log" "$work/server.log" >&2 2>/dev/null || true; exit 1; }
  # the class lists: only the dumps needed them
  rm -f "$archives"/sandbox-agent-server*.classlist "$archives"/sandbox-agent-cli*.classlist
  made=0
  for new in "$archives"/sandbox-agent-server*.new "$archives"/sandbox-agent-cli*.new; do
    [ -s "$new" ] || continue
    mv -f "$new" "${new%.new}"
    made=$((made + 1))
  done
  if [ "$made" -ne 3 ]; then
    echo "dist: the $label training run made $made archive(s), not 3; the server log:" >&2
    cat "$work/server.log" >&2 2>/dev/null || true
    exit 1
  fi
  rm -rf "$work"
}

if [ "$major" -ge 19 ]; then
  train "$root/bin/sandbox-agent" "$root/lib" distribution
else
  echo "dist: JDK $major archives are bound to the build path; no archive shipped (the launcher makes one per user)"
fi
# The source checkout's, for the JDK running this build (the one bin/sandbox-agent finds there, as a rule).
jar_dir=$(cd "$(dirname "$jar")" && pwd -P)
rm -f "$jar_dir"/sandbox-agent-server-*.jsa "$jar_dir"/sandbox-agent-server-*.aot \
  "$jar_dir"/sandbox-agent-cli-*.jsa "$jar_dir"/sandbox-agent-cli-*.aot "$jar_dir"/sandbox-agent-java-home
train "$repo/bin/sandbox-agent" "$jar_dir" checkout "$build_jdk"
# Which java those are for, physical: the launcher finds the home of a java on PATH that links to it with the
# shell's own `test -ef` instead of running readlink (docs/benchmarks.md "CLI round trip, session 12").
(cd "$build_jdk" && pwd -P) >"$jar_dir/sandbox-agent-java-home"
echo "dist: start-up archives:" $(cd "$root/lib" && ls ./*.jsa ./*.aot 2>/dev/null) "and, for the checkout," \
  $(cd "$jar_dir" && ls ./*.jsa ./*.aot 2>/dev/null)

tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
rm -rf "$stage"
echo "dist: $out/$name.tar.gz ($(du -k "$out/$name.tar.gz" | cut -f1) KiB; runtime $runtime_kb KiB unpacked)"

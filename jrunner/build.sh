#!/usr/bin/env bash
# Compile jrunner with plain javac (Java 17) and write the launcher jrunner/bin/jrunner.
# The JDBC drivers are Debian's jars in /usr/share/java; the launcher puts the ones present
# on the class path at start-up, so a missing jar only means that driver is unavailable.
# Driver-specific calls (COPY, LOAD DATA from a stream) go through reflection for the same reason.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

# Build into a fresh directory and swap it in, so a jrunner started meanwhile never sees
# a half-written class tree.
tmp=$(mktemp -d build.tmp.XXXXXX)
trap 'rm -rf "$here/$tmp"' EXIT
find src -name '*.java' > "$tmp/sources"
javac --release 17 -encoding UTF-8 -Xlint:all -Werror -d "$tmp/classes" @"$tmp/sources"

mkdir -p build bin
rm -rf build/classes.old
[ -d build/classes ] && mv build/classes build/classes.old
mv "$tmp/classes" build/classes
rm -rf build/classes.old

cat > bin/jrunner.tmp <<'LAUNCHER'
#!/bin/sh
# jrunner launcher, written by jrunner/build.sh.
home=$(cd "$(dirname "$0")/.." && pwd)
java=java
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && java="$JAVA_HOME/bin/java"
command -v "$java" >/dev/null 2>&1 || { echo "jrunner: java not found (install default-jdk-headless or set JAVA_HOME)" >&2; exit 1; }
jars=
for jar in postgresql mariadb-java-client sqlite-jdbc jtds jt400; do
    [ -f "/usr/share/java/$jar.jar" ] && jars="$jars:/usr/share/java/$jar.jar"
done
# Serial GC: a small, steady heap for a streaming single-threaded copy on a shared machine;
# no perf data file: a few milliseconds less on every start, which small runs pay several times.
opts="-Xmx512m -XX:+UseSerialGC -XX:-UsePerfData -Dfile.encoding=UTF-8"
if [ "${1:-}" = "--serve" ]; then
    # A warm JVM (README, "Warm mode"): each call's jars get a class loader of their own, Debian's
    # after them, so only jrunner's classes are on the class path. Its heap starts at 128 MB,
    # touched at once: the serial collector would otherwise keep growing the committed heap with
    # the garbage of small runs (RSS +120% over 1,000 runs, against +4% so; bench/RESULTS.md).
    shift
    heap="-Xms128m -XX:+AlwaysPreTouch"
    if [ "${1:-}" = "--one-run" ]; then
        # One run's calls only: no heap to keep steady (touching it costs 60 ms and 140 MB), and no
        # session kept between calls (README, "Warm mode": TCP slow start after idle).
        shift
        heap=
        export JRUNNER_POOL_IDLE_SECONDS=0
    fi
    exec "$java" $opts $heap -Djrunner.jars="${jars#:}" -cp "$home/build/classes" pipekit.jrunner.Serve "$@"
fi
# The jars Pipekit's drivers name (JRUNNER_CLASSPATH) come before Debian's: a newer driver wins.
cp="$home/build/classes"
[ -n "${JRUNNER_CLASSPATH:-}" ] && cp="$cp:$JRUNNER_CLASSPATH"
exec "$java" $opts -cp "$cp$jars" pipekit.jrunner.Main "$@"
LAUNCHER
chmod +x bin/jrunner.tmp
mv bin/jrunner.tmp bin/jrunner

for jar in postgresql mariadb-java-client sqlite-jdbc jtds jt400; do
    [ -f "/usr/share/java/$jar.jar" ] || echo "jrunner/build.sh: /usr/share/java/$jar.jar not found; that driver is skipped" >&2
done
echo "built jrunner/bin/jrunner"

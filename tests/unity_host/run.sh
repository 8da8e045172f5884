#!/usr/bin/env bash
# Runs the stand-in Unity editor on PROJECT_DIR until SIGTERM or SIGINT, then quits as Unity
# does (EditorApplication.quitting: bye "quit", session.json removed).
#
# Signals: Mono installs no SIGTERM handler (the default action would kill it without quitting),
# and Mono.Posix is a separate package. So this script keeps the signals: mono runs in the
# background (a non-interactive shell starts it with SIGINT ignored, so a terminal's Ctrl-C
# reaches only this script), its stdin is a FIFO held open here, and a trapped SIGTERM/SIGINT
# writes "quit" into it (SIGHUP: "reload", a script domain reload). If this script dies, the
# host reads end of input and quits as well.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # `sh script` (as the Makefile runs it) re-runs under bash
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 PROJECT_DIR" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/tests/unity_host/build.sh"

control_dir=$(mktemp -d)
mkfifo "$control_dir/stdin"
# Unity's editor runs Mono's soft debugger agent where debugger clients look for it
# (com.unity.ide.visualstudio's DebuggingPort: 56000 + pid % 1000), unless Editor Attaching is
# off (the EditorPrefs AllowAttachedDebuggingOfEditor, read at start-up; stubs/Debugging.cs reads
# the same variable). The port needs mono's pid, so a subshell learns its own and execs mono.
(
    agent=()
    if [ "${UNITY_HOST_PREF_AllowAttachedDebuggingOfEditor:-1}" != 0 ]; then
        agent=("--debugger-agent=transport=dt_socket,server=y,address=127.0.0.1:$((56000 + BASHPID % 1000)),suspend=n")
    fi
    exec mono "${agent[@]}" --debug "$root/target/unity-host/UnityHost.exe" "$1"
) <"$control_dir/stdin" &
host=$!
exec 3>"$control_dir/stdin"
rm -rf "$control_dir"

trap 'echo quit >&3 || true' TERM INT
trap 'echo reload >&3 || true' HUP
status=0
while true; do
    wait "$host" && status=0 || status=$?
    # wait also returns when a trapped signal arrives; go on waiting while the host lives.
    kill -0 "$host" 2>/dev/null || break
done
exit "$status"

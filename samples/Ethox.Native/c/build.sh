#!/usr/bin/env bash
# Builds libethox with NativeAOT as a static and as a shared library, and links the C echo server against each:
#   samples/Ethox.Native/c/build.sh [OUT]        (OUT: artifacts/native by default)
# OUT/static/libethox.a with libethox.link (the runtime libraries it needs, as a response file for the compiler driver),
# OUT/shared/libethox.so, OUT/echo_server (static link) and OUT/echo_server-shared (dynamic link).
# The commands are those of docs/native.md; .ci/run runs this before the tests, which run OUT/echo_server.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${1:-$root/artifacts/native}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

publish() { # NativeLib (Static or Shared), output folder
    dotnet publish "$root/samples/Ethox.Native" -c Release -r linux-x64 -p:PublishAot=true -p:NativeLib="$1" -o "$2" -nologo -v:q
}

publish Static "$out/static"
clang -std=c11 -O2 -Wall -Wextra -Werror -I"$here" -o "$out/echo_server" "$here/echo_server.c" \
    "$out/static/libethox.a" @"$out/static/libethox.link"

publish Shared "$out/shared"
clang -std=c11 -O2 -Wall -Wextra -Werror -I"$here" -o "$out/echo_server-shared" "$here/echo_server.c" \
    -L"$out/shared" -lethox -Wl,-rpath,'$ORIGIN/shared'

ls -l "$out/static/libethox.a" "$out/shared/libethox.so" "$out/echo_server" "$out/echo_server-shared"

#!/usr/bin/env bash
# test_abi_version.sh: a generated program compiled for another libflowrt ABI
# than the library it is linked with is refused at start with a message that
# names both versions and exit status 2, before the library reads anything
# of the program but its version and name (flow/program.h). The program is
# emitted as usual, then its `.abi_version` is edited to the next version.
# Usage: test_abi_version.sh FLOWC CC INCLUDE_DIR LIBFLOWRT.a WORKDIR [CFLAGS]
set -euo pipefail
flowc=$1 cc=$2 include=$3 lib=$4 work=$5 cflags=${6:-}
fail() { echo "test_abi_version: $*"; exit 1; }

rm -rf "$work" && mkdir -p "$work" && cd "$work"
abi=$(awk '$1 == "#define" && $2 == "FLOW_ABI_VERSION" { print $3 }' "$include/flow/program.h")
[ -n "$abi" ] || fail "no FLOW_ABI_VERSION in $include/flow/program.h"
cat > versioned.flow <<'FLOW'
schema N { n : int64 }
source g : N from generator(count = 3, seed = 1, keys = 10);
sink g to stdout(format = csv);
FLOW
"$flowc" emit versioned.flow -o versioned.c
grep -q '^    .abi_version = FLOW_ABI_VERSION,$' versioned.c || fail "the program does not carry FLOW_ABI_VERSION"
sed "s/^    .abi_version = FLOW_ABI_VERSION,\$/    .abi_version = FLOW_ABI_VERSION + 1,/" versioned.c > other.c

build() { # shellcheck disable=SC2086
  "$cc" -std=c11 -Wall -Wextra -Werror $cflags -I"$include" "$1" "$lib" -lm -o "$2"; }
build versioned.c versioned
build other.c other

./versioned --quiet > out.txt || fail "the program of this ABI failed: status $?"
[ "$(wc -l < out.txt)" -eq 4 ] || fail "the program of this ABI wrote: $(cat out.txt)"

status=0
./other > other.out 2> other.err || status=$?
[ "$status" -eq 2 ] || fail "a program of ABI $((abi + 1)) exited with status $status, not 2"
want="versioned: this program was compiled for libflowrt ABI $((abi + 1)) but is linked with ABI $abi; rebuild it with this flowc"
[ "$(cat other.err)" = "$want" ] || fail "stderr was '$(cat other.err)', not '$want'"
[ ! -s other.out ] || fail "a program of another ABI wrote output: $(cat other.out)"
echo "test_abi_version: ok (ABI $abi)"

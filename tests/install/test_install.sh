#!/usr/bin/env bash
# Installs the build tree to a fresh prefix, then, from a directory that sees
# nothing but that prefix, compiles and runs a .flow program with the installed
# flowc. Proves that an installed flowc finds its runtime relative to itself,
# and links no library for connectors the program does not use.
# Usage: test_install.sh BUILD_DIR [CC] [CFLAGS]
set -euo pipefail
build=$(cd "$1" && pwd)
cc=${2:-cc}
cflags=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
mkdir "$work/job"
cd "$work/job"
cat > orders.flow <<'FLOW'
schema Order { id : int64, customer : string, amount : float64, at : timestamp }
param min_amount : float64 = 10.0;
source orders : Order from file("orders.csv", format = csv) event time at watermark 1s;
stream big = orders | where amount >= min_amount | select id, who = upper(customer), amount, at;
sink big to stdout(format = csv);
FLOW
printf 'id,customer,amount,at\n1,ann,9.5,2024-03-01T12:00:00Z\n2,bob,12.25,2024-03-01 12:00:01\n3,"c, d",100,1709294402000\n' > orders.csv

CC=$cc CFLAGS=$cflags LDFLAGS=$cflags "$work/prefix/bin/flowc" build orders.flow -o orders
./orders --quiet > got.csv
cat > want.csv <<'CSV'
id,who,amount,at
2,BOB,12.25,2024-03-01T12:00:01.000Z
3,"C, D",100,2024-03-01T12:00:02.000Z
CSV
diff -u want.csv got.csv
./orders --quiet --set min_amount=50 > got2.csv
printf 'id,who,amount,at\n3,"C, D",100,2024-03-01T12:00:02.000Z\n' | diff -u - got2.csv
# The link line: libflowrt.a and -lm, and no library of a connector the
# program does not use (compiler/connectors.c).
printf '#!/bin/sh\nprintf "%%s\\n" "$@" > cc-args\nexec %s "$@"\n' "$cc" > cc-log
chmod +x cc-log
CC=./cc-log CFLAGS=$cflags LDFLAGS=$cflags "$work/prefix/bin/flowc" build orders.flow -o orders
libs=$(grep -E '^-l|libflowrt' cc-args | sed 's|.*/lib/libflowrt|libflowrt|' | xargs)
[ "$libs" = "libflowrt.a -lm" ] || { cat cc-args; echo "FAIL: flowc build linked '$libs'" >&2; exit 1; }
echo "install test: 3 passed, 0 failed"

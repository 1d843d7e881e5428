#!/usr/bin/env bash
# test_symbols.sh: every global symbol libflowrt defines carries the public
# prefix (flow_, Flow, FLOW_) or the internal one (flowrt_), so a host that
# embeds a program cannot clash with the runtime; internals are hidden; and
# libflowrt.so exports only the public ones (docs/architecture.md, "The
# interface between generated code and libflowrt").
# Usage: test_symbols.sh LIBFLOWRT.a LIBFLOWRT.so
set -euo pipefail
static=$1 shared=$2
fail=0

defined() { nm "$@" --defined-only "$lib" | awk 'NF == 3 && $2 ~ /[A-TV-Z]/ { print $3 }' | sort -u; }

lib=$static
bad=$(defined -g | grep -vE '^(flow_|Flow|FLOW_|flowrt_)' || true)
if [ -n "$bad" ]; then
  echo "$static defines global symbols without the flow_ or flowrt_ prefix:"
  echo "$bad" | sed 's/^/  /'
  fail=1
fi
if [ -z "$(defined -g | grep -E '^flow_main$' || true)" ]; then
  echo "$static: flow_main is missing (is this the runtime library?)"
  fail=1
fi

# Visibility: internals hidden (-fvisibility=hidden), the API visible (the
# public headers' visibility pragmas). A public function declared outside
# the pragmas would be hidden, and missing from the shared library.
bad=$(readelf -sW "$static" |
      awk '$5 == "GLOBAL" && $7 != "UND" {
             if (($8 ~ /^flowrt_/) != ($6 == "HIDDEN")) print "  " $8 " (" $6 ")"
           }' | sort -u)
if [ -n "$bad" ]; then
  echo "$static: flowrt_ names must be hidden and the API visible:"
  echo "$bad"
  fail=1
fi

lib=$shared
bad=$(defined -D | grep -vE '^(flow_|Flow|FLOW_)' | grep -vE '^FLOWRT_[0-9]+$' || true)
if [ -n "$bad" ]; then
  echo "$shared exports symbols that are not public API:"
  echo "$bad" | sed 's/^/  /'
  fail=1
fi
exit $fail

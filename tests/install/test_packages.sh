#!/usr/bin/env bash
# Build-system integration, checked the way a user meets it: installs the
# build tree to a fresh prefix, then, from directories that see nothing but
# that prefix,
#   1. configures and builds examples/cmake-project (find_package(Flowc),
#      flowc_add_executable, flowc_generate of an --embed pipeline with a host
#      application), runs both programs and compares their output;
#   2. checks that an untouched .flow rebuilds nothing, a touched one is
#      regenerated, an edited one changes the program, and an error in one is
#      a FILE:LINE:COL line in the build log;
#   3. builds examples/make-project with Make and pkg-config (shared libflowrt);
#   4. emits the same program from three directories and compares the bytes,
#      and checks that its header comment holds the plan of flowc explain;
#   5. builds with --line-directives and checks that gdb stops at .flow lines;
#   6. per-connector link needs: flowrt.pc links nothing but libflowrt and -lm
#      and names each connector's module in a variable; find_package(Flowc
#      COMPONENTS kafka) gives Flowc::kafka linking the rdkafka module (a
#      stand-in rdkafka.pc here, so librdkafka need not be installed), and an
#      unknown component fails.
# Usage: test_packages.sh SOURCE_DIR BUILD_DIR [CC] [CFLAGS]
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
cc=${3:-cc}
cflags=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "ok: $*"; }

prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/flowc lib/libflowrt.a lib/libflowrt.so include/flow/flow.h \
         lib/pkgconfig/flowrt.pc lib/cmake/Flowc/FlowcConfig.cmake; do
  [ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done
soname=$(objdump -p "$prefix/lib/libflowrt.so" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = libflowrt.so.0 ] || fail "libflowrt.so has SONAME '$soname', want libflowrt.so.0"
internal=$(nm -D --defined-only "$prefix/lib/libflowrt.so" | awk '$3 !~ /^(flow_|FLOWRT_)/ { print $3 }')
[ -z "$internal" ] || fail "libflowrt.so exports names outside the flow_ API: $internal"
ok "install: flowc, libflowrt.a, libflowrt.so (SONAME $soname), headers, flowrt.pc, CMake package"

# The examples see the prefix only: no source or build tree on any path.
export PATH="$prefix/bin:/usr/local/bin:/usr/bin:/bin"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
unset CMAKE_PREFIX_PATH CPATH LIBRARY_PATH

# ---- 1. CMake package ----
cp -r "$src/examples/cmake-project" "$work/cmake-project"
cd "$work/cmake-project"
CC=$cc cmake -S . -B build -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$cflags" >cmake.log 2>&1 \
  || { cat cmake.log; fail "configuring examples/cmake-project"; }
cmake --build build >build.log 2>&1 || { cat build.log; fail "building examples/cmake-project"; }
./build/orders --quiet < orders.csv > got-orders.csv
diff -u expected/orders.csv got-orders.csv || fail "orders (flowc_add_executable): wrong output"
./build/host > got-host.txt || { cat got-host.txt; fail "host (flowc_generate --embed): exit status $?"; }
diff -u expected/host.txt got-host.txt || fail "host (flowc_generate --embed): wrong output"
ok "cmake-project: flowc_add_executable and an embedded pipeline build and run"

# ---- 2. the .flow is a dependency ----
cmake --build build >again.log 2>&1
! grep -q "Generating" again.log || { cat again.log; fail "an unchanged .flow was regenerated"; }
touch alerts.flow
cmake --build build >touched.log 2>&1
grep -q "Generating flowc/alerts.c" touched.log || { cat touched.log; fail "touching alerts.flow regenerated nothing"; }
grep -q "Linking C executable host" touched.log || { cat touched.log; fail "touching alerts.flow did not relink host"; }
! grep -q "Generating flowc/orders.c" touched.log || fail "touching alerts.flow regenerated orders.c"
sed -i 's/param min_amount : float64 = 10.0;/param min_amount : float64 = 50.0;/' orders.flow
cmake --build build >edited.log 2>&1 || { cat edited.log; fail "rebuilding after an edit"; }
./build/orders --quiet < orders.csv > got-edited.csv
printf 'id,who,amount,at\n3,"C, D",100,2024-03-01T12:00:02.000Z\n' | diff -u - got-edited.csv \
  || fail "editing orders.flow did not change the program"
sed -i 's/amount >= min_amount/amount >= min_amout/' orders.flow
if cmake --build build >error.log 2>&1; then fail "a .flow with an error built"; fi
grep -Eq "^$work/cmake-project/orders\.flow:9:21: error: " error.log \
  || { cat error.log; fail "the error is not a FILE:LINE:COL line in the build log"; }
ok "cmake-project: unchanged .flow rebuilds nothing, touched regenerates, edited changes, errors at file:line:col"

# ---- 3. Make and pkg-config ----
cp -r "$src/examples/make-project" "$work/make-project"
cd "$work/make-project"
make CC="$cc" CFLAGS="-O1 $cflags" LDFLAGS="$cflags" >make.log 2>&1 || { cat make.log; fail "make"; }
./orders --quiet < orders.csv > got-orders.csv
diff -u expected/orders.csv got-orders.csv || fail "make-project: wrong output"
libs=$(ldd ./orders)
grep -q "libflowrt.so.0 => $prefix/lib" <<<"$libs" || { echo "$libs"; fail "make-project does not use the installed libflowrt.so"; }
make CC="$cc" CFLAGS="-O1 $cflags" LDFLAGS="$cflags" >again.log 2>&1
! grep -q "flowc emit" again.log || fail "make regenerated an unchanged .flow"
touch orders.flow
make CC="$cc" CFLAGS="-O1 $cflags" LDFLAGS="$cflags" >touched.log 2>&1
grep -q "flowc emit orders.flow -o orders.c" touched.log || { cat touched.log; fail "make did not regenerate a touched .flow"; }
ok "make-project: flowc emit + pkg-config build, run, and rebuild"

# ---- 4. the same bytes from anywhere ----
mkdir -p "$work/a/deep/er" "$work/b" "$work/c"
cp "$src/examples/cmake-project/alerts.flow" "$work/a/deep/er/"
(cd "$work/a/deep/er" && flowc emit alerts.flow --embed --line-directives -o one.c)
(cd "$work/b" && flowc emit ../a/deep/er/alerts.flow --embed --line-directives -o one.c)
(cd / && flowc emit "$work/a/deep/er/alerts.flow" --embed --line-directives -o "$work/c/one.c")
cmp "$work/a/deep/er/one.c" "$work/b/one.c" || fail "emit differs between working directories"
cmp "$work/a/deep/er/one.c" "$work/c/one.c" || fail "emit differs between relative and absolute paths"
for leak in "$work" "$(date -u +%Y-%m-%d)" "$(date -u +%H:%M)" "$(id -un)"; do
  ! grep -qF -- "$leak" "$work/c/one.c" || fail "the generated C contains '$leak' of this machine"
done
ok "emit: identical bytes from three working directories, no path, date or user name"

# The header comment carries the plan, exactly as flowc explain prints it.
cd "$work/a/deep/er"
flowc explain alerts.flow > plan.txt
awk '/^\/\* The plan \(flowc explain alerts\.flow\):$/ { on = 1; getline; next }
     on && /^ \*\/$/ { exit }
     on { sub(/^ \* ?/, ""); print }' one.c > plan-in-c.txt
[ -s plan.txt ] || fail "flowc explain printed nothing"
diff -u plan.txt plan-in-c.txt || fail "the plan in the generated C differs from flowc explain"
ok "emit: the header comment holds the plan of flowc explain"

# ---- 5. gdb stops at .flow lines ----
cd "$work/make-project"
flowc emit orders.flow --line-directives -o lines.c
"$cc" -std=c11 -g -O0 $cflags -I"$prefix/include" lines.c "$prefix/lib/libflowrt.a" -lm -o lines
# LeakSanitizer cannot run under a debugger (ptrace).
ASAN_OPTIONS=detect_leaks=0 gdb -nx -batch -ex "break orders.flow:9" -ex "run --quiet < orders.csv" \
  -ex "bt 1" ./lines > gdb.log 2>&1 || true
grep -Eq "^#0 .* at ([^ ]*/)?orders\.flow:9$" gdb.log || { cat gdb.log; fail "gdb did not stop at orders.flow:9"; }
grep -Eq "^9[[:space:]]+\| where amount >= min_amount" gdb.log || { cat gdb.log; fail "gdb did not show the .flow source line"; }
ok "gdb: a breakpoint at orders.flow:9 stops in the where, showing the .flow line"

# ---- 6. per-connector link needs ----
libs=$(pkg-config --libs-only-l flowrt | xargs)
[ "$libs" = "-lflowrt -lm" ] || fail "pkg-config --libs-only-l flowrt is '$libs', want only -lflowrt -lm"
[ "$(pkg-config --variable=requires_kafka flowrt)" = rdkafka ] || fail "flowrt.pc: requires_kafka is not rdkafka"
[ -z "$(pkg-config --variable=requires_file flowrt)" ] || fail "flowrt.pc: requires_file is not empty"
mkdir -p "$work/fake-pc" "$work/components"
printf 'Name: rdkafka\nDescription: stand-in\nVersion: 2.0.0\nLibs: -lrdkafka\n' > "$work/fake-pc/rdkafka.pc"
cat > "$work/components/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(components LANGUAGES C)
find_package(Flowc REQUIRED COMPONENTS kafka)
get_target_property(libs Flowc::kafka INTERFACE_LINK_LIBRARIES)
get_target_property(kafka PkgConfig::FLOWC_kafka INTERFACE_LINK_LIBRARIES)
message(STATUS "Flowc::kafka links ${libs}: ${kafka}")
find_package(Flowc COMPONENTS nonsense)
message(STATUS "nonsense found: ${Flowc_FOUND}")
CMAKE
PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$work/fake-pc" cmake -S "$work/components" -B "$work/components/build" \
  -DCMAKE_PREFIX_PATH="$prefix" >"$work/components.log" 2>&1 || { cat "$work/components.log"; fail "find_package(Flowc COMPONENTS kafka)"; }
# With librdkafka installed (.ci/deps), pkg-config's -lrdkafka resolves to its path.
grep -Eq "Flowc::kafka links Flowc::flowrt;PkgConfig::FLOWC_kafka: (rdkafka|/.*/librdkafka\.so)$" "$work/components.log" \
  || { cat "$work/components.log"; fail "Flowc::kafka does not link flowrt and the rdkafka module"; }
grep -Eq "nonsense found: (0|FALSE)" "$work/components.log" || { cat "$work/components.log"; fail "an unknown component was found"; }
ok "per-connector link needs: flowrt.pc variables, Flowc::kafka from the rdkafka module"

echo "package test: $passed passed, 0 failed"

# Top-level entry points. `make run` and `make test` are the README's two commands:
# both install the Debian packages they need (apt-get, as root), then build.
BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)
DEB_PKGS   := gcc make cmake pkg-config libopenblas-dev libcjson-dev liblua5.4-dev libpng-dev
# peers used by cross-check tests and benchmarks where installed
DEB_PEERS  := python3 occt-draw python3-open3d python3-torch python3-numpy python3-scipy libopenblas0-pthread
export OPENBLAS_CORETYPE ?= SkylakeX

.PHONY: all deps peers peers-try build build-san test test-fast run fuzz bench clean

all: build

deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

peers:
	SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(DEB_PEERS) >/dev/null

# The peers (OpenCASCADE, Open3D, PyTorch, python3) for the cross-check tests: installed when
# missing; if that fails the tests that need them report SKIPPED instead of failing.
peers-try:
	@missing=""; for p in $(DEB_PEERS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing peer packages for cross-checks:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  ($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null) || \
	    echo "warning: peer packages not installed; cross-check tests will be SKIPPED"; \
	fi

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

build-san: deps
	cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DSTEPLM_SANITIZE=ON >/dev/null
	cmake --build $(BUILD_SAN) -j $(JOBS)

# All tests: the optimised build, then the same suite under ASan + UBSan.
# Tests labelled `nosan` (timing-bound, or peers that cannot load under ASan) run only once.
test: peers-try build build-san
	@rc=0; \
	echo "== tests: release build =="; \
	(cd $(BUILD) && ctest -j $(JOBS) --output-on-failure --timeout 900) > $(BUILD)/ctest.log 2>&1 || rc=1; \
	grep -E "^ *[0-9]+/[0-9]+ Test|Skipped|\*\*\*" $(BUILD)/ctest.log | tail -n 300; \
	echo "== tests: AddressSanitizer + UndefinedBehaviorSanitizer =="; \
	(cd $(BUILD_SAN) && ctest -j $(JOBS) --output-on-failure --timeout 900 -LE nosan) > $(BUILD_SAN)/ctest.log 2>&1 || rc=1; \
	grep -E "^ *[0-9]+/[0-9]+ Test|Skipped|\*\*\*" $(BUILD_SAN)/ctest.log | tail -n 300; \
	if [ $$rc != 0 ]; then echo "== failures: see $(BUILD)/ctest.log and $(BUILD_SAN)/ctest.log =="; \
	  grep -h -B2 -A30 -E "\*\*\*Failed|\*\*\*Exception|\*\*\*Timeout" $(BUILD)/ctest.log $(BUILD_SAN)/ctest.log | head -n 200; fi; \
	echo "== summary =="; \
	printf "release:    "; grep -h "tests passed" $(BUILD)/ctest.log || echo "no summary (ctest failed to run)"; \
	printf "asan+ubsan: "; grep -h "tests passed" $(BUILD_SAN)/ctest.log || echo "no summary (ctest failed to run)"; \
	exit $$rc

test-fast: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure

run: build
	@mkdir -p out
	./$(BUILD)/steplm run examples/flange.lua -o out/flange.step --mesh out/flange.stl
	./$(BUILD)/steplm check out/flange.step
	./$(BUILD)/steplm props out/flange.step

fuzz: deps
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=Release -DSTEPLM_FUZZ=ON -DSTEPLM_NATIVE=OFF >/dev/null
	cmake --build $(BUILD_FUZZ) -j $(JOBS)

bench: build
	./bench/run.sh

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)

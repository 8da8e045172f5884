# unity.nvim. `make` builds the native module (lazy.nvim runs it as `build = "make"`), and only
# that: the test tools (tools/, the peer `unity-peer` for the specs, the demo and the benchmark)
# are built by the targets that run them.
CARGO ?= cargo
NVIM ?= $(shell sh tests/find-nvim.sh)

.PHONY: all build tools demo test test-rust test-nvim test-unity test-fuzz unity-host bench fuzz lint clean windows test-windows

all: build

# The module is replaced by a rename, never rewritten in place: a running Neovim has it mapped.
# macOS builds a .dylib; Neovim's loader looks for .so on every system but Windows (.dll).
# :checkhealth unity reads where it came from in lua/unity_native.json (the installer's record).
build:
	$(CARGO) build --release --features lua
	@if [ -f target/release/unity_native.dll ]; then \
	  cp target/release/unity_native.dll lua/unity_native.dll.tmp && mv -f lua/unity_native.dll.tmp lua/unity_native.dll; \
	else \
	  lib=target/release/libunity_native.so; [ -f "$$lib" ] || lib=target/release/libunity_native.dylib; \
	  cp "$$lib" lua/unity_native.so.tmp && mv -f lua/unity_native.so.tmp lua/unity_native.so; \
	fi
	@printf '{"source":"build"}\n' > lua/unity_native.json

tools:
	$(CARGO) build --release -p unity-nvim-tools

# The module for Windows (lua/unity_native.dll) and the peer (target/$(WINDOWS_TARGET)/release/
# unity-peer.exe), cross-built with mingw here (tests/windows/setup.sh installs the
# toolchain); on Windows itself `make` builds the module.
WINDOWS_TARGET = x86_64-pc-windows-gnu
windows:
	$(CARGO) build --release --features lua --target $(WINDOWS_TARGET)
	$(CARGO) build --release --target $(WINDOWS_TARGET) -p unity-nvim-tools
	cp target/$(WINDOWS_TARGET)/release/unity_native.dll lua/unity_native.dll.tmp && mv -f lua/unity_native.dll.tmp lua/unity_native.dll

# Installs what it needs (wine, mingw, Rust's Windows target, a Windows nvim.exe) and runs the
# Windows tests under wine.
test-windows:
	bash tests/windows/run.sh

demo: build tools
	sh tests/demo/demo.sh "$(NVIM)"

test: build test-rust test-nvim test-unity test-fuzz

test-rust:
	$(CARGO) test --release --workspace

test-nvim: build tools
	"$(NVIM)" --headless --clean -l tests/run.lua tests/nvim

test-unity:
	sh tests/unity_host/test.sh

# A bounded fuzz run in every `make test`; `make fuzz FUZZ_SECONDS=3600` for long ones.
test-fuzz:
	bash tests/fuzz/run.sh 20

FUZZ_SECONDS ?= 600
fuzz:
	bash tests/fuzz/run.sh $(FUZZ_SECONDS)

# The last line is Windows under wine (tests/windows/bench.sh; installs wine like test-windows).
bench: build tools
	NVIM="$(NVIM)" sh tests/bench/run.sh
	bash tests/windows/bench.sh

# The stand-in editor on a project: UNITY_VERSION=2021.3|2022.3|6000.0 picks the behaviour it
# models, WORKER=1 runs it as an asset import worker beside an editor already on that project.
UNITY_VERSION ?= 2021.3
unity-host:
	UNITY_HOST_VERSION="$(UNITY_VERSION)" UNITY_HOST_WORKER="$(WORKER)" sh tests/unity_host/run.sh "$(PROJECT)"

# The Lua tools (stylua and emmylua_check from crates.io, luacheck from Debian's lua-check):
# .ci/run installs them.
LUA_SOURCES = lua plugin tests build.lua
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --all-targets --features lua -- -D warnings
	stylua --check $(LUA_SOURCES)
	luacheck --quiet $(LUA_SOURCES)
	find $(LUA_SOURCES) -name '*.lua' | xargs awk -f tests/redefined.awk
	NVIM="$(NVIM)" sh tests/lint/types.sh

clean:
	$(CARGO) clean
	rm -f lua/unity_native.so lua/unity_native.dll lua/unity_native.json

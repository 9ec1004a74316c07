# Shared by scripts/*: finding or installing what the build and tests need.
# Every ensure_* step checks first and installs only what is missing, so the
# scripts are fast on a machine that has everything and complete on a fresh
# Debian one.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

APT_UPDATED=
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  say "installing ${missing[*]} (apt)"
  if [ -z "$APT_UPDATED" ]; then $sudo apt-get update -q >/dev/null; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >/dev/null
}

# Picks how to build for wasm32 and exports WASM_CARGO (the cargo command),
# WASM_CARGO_FLAGS and WASM_RUSTFLAGS (for release builds). The ordinary
# path is a rustup toolchain with the wasm32-unknown-unknown target. Where
# rustup has no such std (these build machines), Debian's rustc-web builds
# std from source (-Zbuild-std), which also lets us abort on panic without
# linking any panic formatting.
ensure_wasm_toolchain() {
  [ -n "${WASM_CARGO:-}" ] && return 0
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "wasm toolchain: rustup target wasm32-unknown-unknown"
    WASM_CARGO="cargo"
    WASM_CARGO_FLAGS=""
    WASM_RUSTFLAGS=""
  else
    say "wasm toolchain: Debian rustc-web with -Zbuild-std (rustup has no wasm32 std here)"
    apt_install rustc-web cargo-web rust-web-src lld-22
    rustup toolchain list | grep -q '^debweb' || rustup toolchain link debweb /usr
    WASM_CARGO="cargo +debweb"
    WASM_CARGO_FLAGS="-Zbuild-std=std,panic_abort"
    export RUSTC_BOOTSTRAP=1
    WASM_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort"
  fi
  export WASM_CARGO WASM_CARGO_FLAGS WASM_RUSTFLAGS
}

# The wasm-bindgen CLI must be exactly the wasm-bindgen crate's version.
ensure_wasm_bindgen_cli() {
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")
  [ -n "$want" ] || die "wasm-bindgen not found in Cargo.lock"
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ] ||
     ! command -v wasm-bindgen-test-runner >/dev/null; then
    say "installing wasm-bindgen-cli $want (a few minutes, once)"
    # Not --locked: one of its locked dependency versions is not served here.
    cargo install -q wasm-bindgen-cli --version "$want"
  fi
}

# npm dependencies of a directory with a package-lock.json, installed with
# `npm ci` when missing or older than the lock file.
ensure_npm_deps() {
  command -v npm >/dev/null || apt_install nodejs npm
  local dir="$1"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "installing npm dependencies (${dir#"$ROOT"/})"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
# The JS tests' and the build's (binaryen's wasm-opt, playwright-core, typescript).
ensure_node_deps() { ensure_npm_deps "$ROOT/tests/js"; }

# An app directory (its own lock file and vite) built against the current
# pkg/, installed from its npm tarball: www-demo, the benchmark lab.
# Extra arguments go to `vite build`.
build_with_packed_pkg() {
  local dir="$1"
  shift
  ensure_npm_deps "$dir"
  say "installing the packed flaglive into ${dir#"$ROOT"/} and building it (vite)"
  node "$ROOT/scripts/lib/install-packed.mjs" "$dir"
  (cd "$dir" && ./node_modules/.bin/vite build --logLevel warn "$@")
}
build_demo_app() { build_with_packed_pkg "$ROOT/www-demo"; }

# The Leptos example (examples/leptos-flags, on flaglive-web) into its
# dist/: the wasm (a debug build: the test needs no size) through the
# wasm-bindgen CLI, beside index.html and main.js. Needs ensure_wasm_toolchain
# and ensure_wasm_bindgen_cli first.
build_leptos_example() {
  local app="$ROOT/examples/leptos-flags"
  (cd "$app" && $WASM_CARGO build -q --target wasm32-unknown-unknown $WASM_CARGO_FLAGS) || return 1
  rm -rf "$app/dist"
  mkdir -p "$app/dist"
  wasm-bindgen --target web --no-typescript --out-dir "$app/dist/pkg" \
    "$app/target/wasm32-unknown-unknown/debug/leptos_flags_example.wasm" || return 1
  cp "$app/index.html" "$app/main.js" "$app/dist/"
}

# Headless Chromium and its driver (Debian's; a test tool cannot download one here).
ensure_chromium() {
  if [ -z "${CHROMIUM:-}" ]; then
    apt_install chromium chromium-driver
    CHROMIUM=/usr/bin/chromium
  fi
  export CHROMIUM
  export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver || echo /usr/bin/chromedriver)}"
}

gz_size() { gzip -9c "$1" | wc -c | tr -d ' '; }

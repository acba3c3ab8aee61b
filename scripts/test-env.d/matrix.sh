# scripts/test-env.d/matrix.sh — the opt-in version matrix, sourced by scripts/test-env.
#
# Enabled by `scripts/test-env up --matrix` (or OCIFIX_MATRIX=1); `make test`'s plain `up` never
# builds or starts any of it. Once a stack was brought up with it, $STATE/.matrix makes `status`,
# `env` and `down` include it.
#
# Adds to the default stack:
#   tools      buildx at every version in MATRIX_BUILDX_VERSIONS, BuildKit $BUILDKIT_OLD_VERSION,
#              dockerd from github.com/moby/moby/v2 (Docker Engine 29) + containerd v2 + the runc shim,
#              the docker CLI 29 — each built once per machine into $TOOLS/<name>-<version>/
#   bk-old     a third buildkitd, at $BUILDKIT_OLD_VERSION (before one index.json entry per tag)
#   dockerd-containerd  the Engine 29 dockerd with the containerd image store, isolated like `dockerd`
#   $STATE/matrix/config-<buildx version>  one DOCKER_CONFIG per buildx version, each with contexts
#              `dockerd` (classic store, current) and `dockerd-containerd`, builders `single`, `multi`
#              (as in the default configs) and `single-old` (remote -> bk-old); `single` is the default.

# The newest patch of each minor that the Go module proxy serves and that builds (v0.12.2, v0.16.3,
# v0.19.4, v0.20.2, v0.22.1 do not exist there). OCIFIX_MATRIX_BUILDX="v0.15.1 v0.36.1" picks a
# subset; a stack remembers the list it was brought up with in $STATE/.matrix. `tools` builds all.
MATRIX_BUILDX_ALL="v0.12.1 v0.15.1 v0.16.2 v0.19.3 v0.20.1 v0.22.0 v0.36.1"
# ($1 is scripts/test-env's command: a sourced file sees the caller's arguments)
if [ "${1:-}" = tools ] || [ -n "${OCIFIX_MATRIX_BUILDX:-}" ] || [ ! -s "$STATE/.matrix" ]; then
  MATRIX_BUILDX_VERSIONS=${OCIFIX_MATRIX_BUILDX:-$MATRIX_BUILDX_ALL}
else
  MATRIX_BUILDX_VERSIONS=$(cat "$STATE/.matrix")
fi
BUILDKIT_OLD_VERSION=v0.18.2
# github.com/moby/moby/v2 is the Docker Engine's module since 29.0; it is only served as v2.0.0-beta.N.
# beta.24 is the tree of Docker Engine 29.8 (releases/versions.yaml: last 29.8.0, next 29.8.1).
MOBY_VERSION=v2.0.0-beta.24
MOBY_ENGINE_VERSION=29.8.1-moby-v2.0.0-beta.24
# the containerd that moby's Dockerfile pins for that tree
CONTAINERD_VERSION=v2.3.5
DOCKER_CLI29_VERSION=v29.8.2

BUILDKITD_OLD=$TOOLS/buildkit-$BUILDKIT_OLD_VERSION/buildkitd
BUILDCTL_OLD=$TOOLS/buildkit-$BUILDKIT_OLD_VERSION/buildctl
MOBY_DIR=$TOOLS/moby-$MOBY_VERSION
CONTAINERD_DIR=$TOOLS/containerd-$CONTAINERD_VERSION
DOCKER29=$TOOLS/docker-cli-$DOCKER_CLI29_VERSION/docker

MX=$STATE/matrix
BK_OLD=$STATE/bk-old
DKC=$STATE/dockerd-ctd
DKC_HOST=unix://$DKC/docker.sock
DOCKER_CONTEXT_CTD=dockerd-containerd

matrix_enabled() { [ "${OCIFIX_MATRIX:-0}" = 1 ] || [ -s "$STATE/.matrix" ]; }
mx_buildx() { printf '%s/buildx-%s/buildx' "$TOOLS" "$1"; }
mx_config() { printf '%s/config-%s' "$MX" "$1"; }

# ----------------------------------------------------------------- tools
# Matrix tools are built under their own lock and temp prefix (.mbuild-*), never under ensure_tools'
# lock: a 20-minute matrix build must not hold up everyone's `up`, and ensure_tools' cleanup of
# .build-* must not delete a matrix build in progress. Every build runs at nice 19.
mx_install_into() { # DESTDIR NAME BUILD-FUNCTION ARGS...
  local dest=$1 name=$2 fn=$3; shift 3
  local tmp; tmp=$(mktemp -d "$TOOLS/.mbuild-$name.XXXXXX"); chmod 755 "$tmp"
  local logf=$TOOL_LOGS/$name.log t0; t0=$(now)
  log "building $name at nice 19 (log: $logf)"
  if ! ( renice -n 19 -p "$BASHPID" >/dev/null 2>&1 || true; "$fn" "$tmp" "$@" ) >"$logf" 2>&1; then
    tail_log "$logf" 40; rm -rf "$tmp"; die "building $name failed"
  fi
  rm -rf "$dest.old"; [ -e "$dest" ] && mv "$dest" "$dest.old"
  mv "$tmp" "$dest"; rm -rf "$dest.old"
  log "built $name in $(elapsed "$t0")s"
}
mx_ensure() { # NAME DESTDIR CHECK-FUNCTION BUILD-FUNCTION ARGS... (CHECK-FUNCTION takes no arguments)
  local name=$1 dest=$2 check=$3 fn=$4; shift 4
  "$check" && return 0
  need_go
  mkdir -p "$TOOLS" "$TOOL_LOGS"
  local fd
  exec {fd}>"$TOOLS/.lock-$name"
  flock -w 7200 "$fd" || die "timed out waiting for $TOOLS/.lock-$name"
  if ! "$check"; then
    rm -rf "$TOOLS/.mbuild-$name".*   # leftovers of a killed build of this tool (we hold its lock)
    mx_install_into "$dest" "$name" "$fn" "$@"
    "$check" || die "$name was built but does not pass its check ($check)"
  fi
  exec {fd}>&-
}

build_buildx_module() { # OUT VERSION: inside the module (buildx >= 0.20's go.mod has exclude directives,
  # which `go install pkg@version` refuses). Module zips keep vendor/modules.txt without the vendored
  # code, so the dependencies come from go.sum (-mod=mod).
  local out=$1 ver=$2 dir mod=mod
  dir=$(cd "$out" && go mod download -json "github.com/docker/buildx@$ver" | jq -r .Dir)
  [ -d "$dir" ] || { echo "go mod download gave no dir"; return 1; }
  local ld="-X github.com/docker/buildx/version.Version=$ver -X github.com/docker/buildx/version.Package=github.com/docker/buildx"
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=$mod go build -ldflags "$ld" -o "$out/buildx" ./cmd/buildx) && return 0
  echo "=== retrying with -checklinkname=0 ==="
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=$mod go build -ldflags "$ld -checklinkname=0" -o "$out/buildx" ./cmd/buildx)
}
build_buildx_matrix() { # OUT VERSION: as ensure_tools builds buildx, else inside the module
  build_buildx_any "$1" "$2" && return 0
  echo "=== go install failed: building inside the module ==="
  build_buildx_module "$1" "$2"
}
build_buildkit_at() { # OUT VERSION (like build_buildkit, any version; old trees need -checklinkname=0 on new Go)
  local out=$1 ver=$2 dir
  dir=$(cd "$out" && go mod download -json "github.com/moby/buildkit@$ver" | jq -r .Dir)
  [ -d "$dir" ] || { echo "go mod download gave no dir"; return 1; }
  local ld="-X github.com/moby/buildkit/version.Version=$ver"
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -ldflags "$ld" -o "$out/" ./cmd/buildkitd ./cmd/buildctl) && return 0
  echo "=== retrying with -checklinkname=0 ==="
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -ldflags "$ld -checklinkname=0" -o "$out/" ./cmd/buildkitd ./cmd/buildctl)
}
build_moby_dockerd() { # OUT: dockerd of the Docker Engine 29 tree, static, the tags of moby's hack/make.sh
  local out=$1 dir
  dir=$(cd "$out" && go mod download -json "github.com/moby/moby/v2@$MOBY_VERSION" | jq -r .Dir)
  [ -d "$dir" ] || { echo "go mod download gave no dir"; return 1; }
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -tags "netgo osusergo static_build nri_no_wasm" \
     -ldflags "-X github.com/moby/moby/v2/dockerversion.Version=$MOBY_ENGINE_VERSION -X github.com/moby/moby/v2/dockerversion.GitCommit=$MOBY_VERSION" \
     -o "$out/" ./cmd/dockerd)
}
build_containerd() { # OUT: containerd + the runc shim + ctr
  local out=$1 dir
  dir=$(cd "$out" && go mod download -json "github.com/containerd/containerd/v2@$CONTAINERD_VERSION" | jq -r .Dir)
  [ -d "$dir" ] || { echo "go mod download gave no dir"; return 1; }
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -tags "no_btrfs no_devmapper no_zfs" \
     -ldflags "-X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" \
     -o "$out/" ./cmd/containerd ./cmd/containerd-shim-runc-v2 ./cmd/ctr)
}
build_docker_cli() { # OUT: the docker CLI has no go.mod (vendor.mod instead): build it as its own Makefile does
  local out=$1 src w
  src=$(cd "$out" && go mod download -json "github.com/docker/cli@$DOCKER_CLI29_VERSION+incompatible" | jq -r .Dir)
  [ -d "$src" ] || { echo "go mod download gave no dir"; return 1; }
  w=$(mktemp -d); cp -a "$src/." "$w/"; chmod -R u+w "$w"
  cp "$w/vendor.mod" "$w/go.mod"; cp "$w/vendor.sum" "$w/go.sum"
  local v=${DOCKER_CLI29_VERSION#v}
  # the module zip keeps vendor/modules.txt but no vendored code: resolve from vendor.sum
  rm -rf "$w/vendor"
  (cd "$w" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -tags "osusergo netgo static_build" \
     -ldflags "-X github.com/docker/cli/cli/version.Version=$v -X github.com/docker/cli/cli/version.GitCommit=$DOCKER_CLI29_VERSION" \
     -o "$out/docker" ./cmd/docker)
  local rc=$?; rm -rf "$w"; return $rc
}

mx_bkold_ok() { tool_ok "$BUILDKITD_OLD" "$BUILDKIT_OLD_VERSION" --version && tool_ok "$BUILDCTL_OLD" "$BUILDKIT_OLD_VERSION" --version; }
mx_moby_ok() { tool_ok "$MOBY_DIR/dockerd" "$MOBY_ENGINE_VERSION" --version; }
mx_containerd_ok() { tool_ok "$CONTAINERD_DIR/containerd" "$CONTAINERD_VERSION" --version && [ -x "$CONTAINERD_DIR/containerd-shim-runc-v2" ]; }
mx_docker29_ok() { tool_ok "$DOCKER29" "${DOCKER_CLI29_VERSION#v}" --version; }

ensure_matrix_tools() {
  local v b
  mx_ensure "moby-$MOBY_VERSION" "$MOBY_DIR" mx_moby_ok build_moby_dockerd
  mx_ensure "containerd-$CONTAINERD_VERSION" "$CONTAINERD_DIR" mx_containerd_ok build_containerd
  for v in $MATRIX_BUILDX_VERSIONS; do
    b=$(mx_buildx "$v")
    eval "mx_bx_ok() { buildx_ok '$b' '$v'; }"
    mx_ensure "buildx-$v" "$(dirname "$b")" mx_bx_ok build_buildx_matrix "$v"
  done
  mx_ensure "buildkit-$BUILDKIT_OLD_VERSION" "$(dirname "$BUILDKITD_OLD")" mx_bkold_ok build_buildkit_at "$BUILDKIT_OLD_VERSION"
  # OCIFIX_MATRIX_SKIP_CLI29=1: no docker CLI 29 (its build is the longest after dockerd's)
  [ "${OCIFIX_MATRIX_SKIP_CLI29:-0}" = 1 ] || mx_ensure "docker-cli-$DOCKER_CLI29_VERSION" "$(dirname "$DOCKER29")" mx_docker29_ok build_docker_cli
}

# ------------------------------------------------------------- daemons
dkc_up() { DOCKER_CONFIG=$STATE/.docker-probe DOCKER_HOST=$DKC_HOST timeout 5 docker version >/dev/null 2>&1; }
start_dockerd_ctd() {
  if is_running "$DKC/dockerd.pid" dockerd && dkc_up; then return 0; fi
  is_running "$DKC/dockerd.pid" dockerd && stop_pid "$DKC/dockerd.pid" dockerd 150
  mkdir -p "$DKC" "$STATE/.docker-probe"
  jq -n --arg reg "$REG_ADDR" '{features: {"containerd-snapshotter": true}, "insecure-registries": [$reg]}' >"$DKC/daemon.json"
  # dockerd starts the containerd it manages from PATH: ours (v2), not Debian's 1.6 in /usr/bin.
  spawn "$DKC/dockerd.pid" "$DKC/dockerd.log" env PATH="$CONTAINERD_DIR:$PATH" "$MOBY_DIR/dockerd" \
    --data-root "$DKC/data" --exec-root "$DKC/exec" --pidfile "$DKC/dockerd.own.pid" -H "$DKC_HOST" \
    --iptables=false --ip6tables=false --bridge=none --userland-proxy=false --config-file "$DKC/daemon.json"
}
wait_dockerd_ctd() {
  local i
  for i in $(seq 1 600); do
    dkc_up && return 0
    is_running "$DKC/dockerd.pid" dockerd || { tail_log "$DKC/dockerd.log"; die "dockerd-containerd died"; }
    sleep 0.1
  done
  tail_log "$DKC/dockerd.log"; die "dockerd-containerd not ready after 60s"
}
dkc_store_ok() { # the daemon really uses the containerd image store
  DOCKER_CONFIG=$STATE/.docker-probe DOCKER_HOST=$DKC_HOST docker info -f '{{json .DriverStatus}}' 2>/dev/null | grep -q 'io.containerd.snapshotter.v1'
}

# ------------------------------------------------------------- configs
mx_config_ok() { # CFGDIR BUILDX
  local c=$1 b=$2 n
  [ -x "$c/cli-plugins/docker-buildx" ] && cmp -s "$c/cli-plugins/docker-buildx" "$b" || return 1
  for n in single multi single-old; do [ -f "$c/buildx/instances/$n" ] || return 1; done
  [ -f "$c/.ocifix-ready" ]
}
setup_matrix_config() { # CFGDIR BUILDX
  local c=$1 b=$2
  mx_config_ok "$c" "$b" && return 0
  rm -rf "$c"; mkdir -p "$c/cli-plugins"
  cp "$b" "$c/cli-plugins/docker-buildx"
  echo '{}' >"$c/config.json"
  dk() { DOCKER_CONFIG=$c docker "$@" >>"$c/setup.log" 2>&1 || { tail_log "$c/setup.log"; die "failed: docker $*"; }; }
  dk context create "$DOCKER_CONTEXT_NAME" --description "docker-ocifix isolated dockerd (classic store)" --docker "host=$DKD_HOST"
  dk context create "$DOCKER_CONTEXT_CTD" --description "docker-ocifix isolated dockerd 29 (containerd store)" --docker "host=$DKC_HOST"
  dk context use "$DOCKER_CONTEXT_NAME"
  dk buildx create --name single --node single0 --driver remote "unix://$BK_A/buildkitd.sock"
  dk buildx create --name multi --node multi-amd64 --driver remote --platform linux/amd64 "unix://$BK_A/buildkitd.sock"
  dk buildx create --append --name multi --node multi-arm64 --driver remote --platform linux/arm64 "unix://$BK_B/buildkitd.sock"
  dk buildx create --name single-old --node single-old0 --driver remote "unix://$BK_OLD/buildkitd.sock"
  dk buildx use --global single
  local n
  for n in single multi single-old "$DOCKER_CONTEXT_NAME" "$DOCKER_CONTEXT_CTD"; do dk buildx inspect --bootstrap "$n"; done
  touch "$c/.ocifix-ready"
}

# ------------------------------------------------------------- up/status/env/down
matrix_up() {
  echo "$MATRIX_BUILDX_VERSIONS" >"$STATE/.matrix"
  phase_start matrix-tools;  ensure_matrix_tools; phase_end
  phase_start "bk-old+dockerd29"
  BUILDKITD=$BUILDKITD_OLD BUILDCTL=$BUILDCTL_OLD start_buildkitd "$BK_OLD"
  start_dockerd_ctd
  BUILDKITD=$BUILDKITD_OLD BUILDCTL=$BUILDCTL_OLD wait_buildkitd "$BK_OLD"
  wait_dockerd_ctd
  dkc_store_ok || { tail_log "$DKC/dockerd.log"; die "dockerd-containerd does not use the containerd image store"; }
  phase_end "$DKC_HOST"
  phase_start matrix-configs
  local v
  for v in $MATRIX_BUILDX_VERSIONS; do setup_matrix_config "$(mx_config "$v")" "$(mx_buildx "$v")"; done
  phase_end "$MX"
}
matrix_status() { # uses cmd_status's st (and its `all`)
  local v
  for v in $MATRIX_BUILDX_VERSIONS; do st "tool:buildx-$v" buildx_ok "$(mx_buildx "$v")" "$v"; done
  st "tool:buildkit-$BUILDKIT_OLD_VERSION" mx_bkold_ok
  st "tool:moby-$MOBY_VERSION" mx_moby_ok
  st "tool:containerd-$CONTAINERD_VERSION" mx_containerd_ok
  [ "${OCIFIX_MATRIX_SKIP_CLI29:-0}" = 1 ] || st "tool:docker-cli-$DOCKER_CLI29_VERSION" mx_docker29_ok
  st buildkitd-old eval 'is_running "$BK_OLD/buildkitd.pid" buildkitd && BUILDCTL=$BUILDCTL_OLD bk_up "$BK_OLD"'
  st dockerd-containerd eval 'is_running "$DKC/dockerd.pid" dockerd && dkc_up'
  for v in $MATRIX_BUILDX_VERSIONS; do st "matrix-config-$v" mx_config_ok "$(mx_config "$v")" "$(mx_buildx "$v")"; done
}
matrix_env_pairs() {
  cat <<EOF
OCIFIX_MATRIX=1
OCIFIX_MATRIX_VERSIONS=$MATRIX_BUILDX_VERSIONS
OCIFIX_MATRIX_DIR=$MX
OCIFIX_BUILDKIT_OLD=unix://$BK_OLD/buildkitd.sock
OCIFIX_BUILDKIT_OLD_VERSION=$BUILDKIT_OLD_VERSION
OCIFIX_BUILDKIT_VERSION=$BUILDKIT_VERSION
OCIFIX_DOCKERD_CONTAINERD_HOST=$DKC_HOST
OCIFIX_DOCKERD_CONTAINERD_CONTEXT=$DOCKER_CONTEXT_CTD
OCIFIX_DOCKERD_CONTAINERD_VERSION=$MOBY_ENGINE_VERSION
OCIFIX_DOCKER29=$DOCKER29
EOF
}
stop_matrix() {
  stop_pid "$BK_OLD/buildkitd.pid" buildkitd & stop_pid "$DKC/dockerd.pid" dockerd 200 &
  wait
}

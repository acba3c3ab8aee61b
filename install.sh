#!/usr/bin/env bash
# Install docker-ocifix as a Docker CLI plugin.
#   ./install.sh                    install this host's binary from dist/ (docker-ocifix-OS-ARCH from
#                                   `make release`) when there is one, else build it (npm ci + make
#                                   binary; Linux x64 only) and install it for this user
#   ./install.sh --binary PATH      install an already built or downloaded binary
#   ./install.sh --system           install to /usr/local/lib/docker/cli-plugins (all users; not on
#                                   Docker Desktop for Mac, where that dir is inside Docker.app)
#   ./install.sh --uninstall [--system]
#   ./install.sh --alias            also alias `docker build` to ocifix (docker ocifix setup --alias)
# The user directory is ${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins. Running it again is safe.
#
# A downloaded release binary (docker-ocifix-linux-x64, -linux-arm64, -darwin-x64, -darwin-arm64):
#   sha256sum -c --ignore-missing SHA256SUMS     (macOS: shasum -a 256 -c --ignore-missing SHA256SUMS)
#   ./install.sh --binary ./docker-ocifix-darwin-arm64
# or by hand: mkdir -p ~/.docker/cli-plugins; cp docker-ocifix-OS-ARCH ~/.docker/cli-plugins/docker-ocifix;
# chmod +x it (macOS: xattr -d com.apple.quarantine it, if it was downloaded by a browser).
# Windows: copy docker-ocifix-windows-x64.exe to %USERPROFILE%\.docker\cli-plugins\docker-ocifix.exe
# (the .exe name is required), then run `docker ocifix version`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
binary=""
system=0
uninstall=0
alias=0
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) [ $# -ge 2 ] || { echo "install.sh: --binary needs a path" >&2; exit 2; }; binary=$2; shift 2 ;;
    --binary=*) binary=${1#--binary=}; shift ;;
    --system) system=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    --alias) alias=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$1' (see ./install.sh --help)" >&2; exit 2 ;;
  esac
done

if [ "$system" = 1 ]; then dir=/usr/local/lib/docker/cli-plugins; else dir=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins; fi
target=$dir/docker-ocifix

if [ "$uninstall" = 1 ]; then
  if [ -e "$target" ]; then rm -f "$target"; echo "removed $target"; else echo "nothing to remove at $target"; fi
  exit 0
fi

# This host as a release target name: linux-x64, linux-arm64, darwin-x64, darwin-arm64.
host_target() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) echo "install.sh: unsupported OS '$(uname -s)' (on Windows copy docker-ocifix-windows-x64.exe by hand: see --help)" >&2; exit 1 ;;
  esac
  case "$(uname -m)" in
    x86_64|amd64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) echo "install.sh: unsupported CPU '$(uname -m)': release binaries exist for x86_64 and arm64" >&2; exit 1 ;;
  esac
  echo "$os-$arch"
}

if [ -z "$binary" ]; then
  host=$(host_target)
  if [ -f "$here/dist/docker-ocifix-$host" ]; then
    binary=$here/dist/docker-ocifix-$host
    echo "using $binary" >&2
    if [ -d "$here/src" ] && [ -n "$(find "$here/src" -newer "$binary" -print -quit)" ]; then
      echo "install.sh: warning: $binary is older than the sources in src/ (run \`make release\` to rebuild it)" >&2
    fi
  elif [ "$host" = linux-x64 ]; then
    command -v npm >/dev/null || { echo "install.sh: npm is needed to build docker-ocifix (or pass --binary PATH)" >&2; exit 1; }
    make -C "$here" binary >&2
    binary=$here/dist/docker-ocifix
  else
    echo "install.sh: no dist/docker-ocifix-$host: build it on Linux x64 with \`make release\`, or download the release binary, then run ./install.sh --binary PATH" >&2
    exit 1
  fi
fi
[ -f "$binary" ] || { echo "install.sh: no binary at $binary" >&2; exit 1; }

mkdir -p "$dir"
tmp=$(mktemp "$dir/.docker-ocifix.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cp "$binary" "$tmp"
chmod 0755 "$tmp"
# a binary downloaded by a browser on macOS carries a quarantine flag that Gatekeeper enforces
if [ "$(uname -s)" = Darwin ] && command -v xattr >/dev/null; then xattr -d com.apple.quarantine "$tmp" 2>/dev/null || true; fi
mv -f "$tmp" "$target"
trap - EXIT
echo "installed $target"

# Check the result through the docker CLI itself when it is there, else run the binary; then show
# what ocifix will do on this machine (`docker ocifix doctor` always exits 0).
if command -v docker >/dev/null 2>&1; then
  if [ "$system" = 1 ]; then ocifix=(docker ocifix); else ocifix=(env "DOCKER_CONFIG=${DOCKER_CONFIG:-$HOME/.docker}" docker ocifix); fi
else
  ocifix=("$target")
fi
"${ocifix[@]}" version
if [ "$alias" = 1 ]; then "${ocifix[@]}" setup --alias; fi
echo
"${ocifix[@]}" doctor

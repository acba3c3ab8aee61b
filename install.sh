#!/usr/bin/env bash
# Install docker-ocifix as a Docker CLI plugin.
#   ./install.sh                    build (npm ci + make binary) and install for this user
#   ./install.sh --binary PATH      install an already built binary
#   ./install.sh --system           install to /usr/local/lib/docker/cli-plugins (all users)
#   ./install.sh --uninstall [--system]
#   ./install.sh --alias            also alias `docker build` to ocifix (docker ocifix setup --alias)
# The user directory is ${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins. Running it again is safe.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
binary=""
system=0
uninstall=0
alias=0
usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
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

if [ -z "$binary" ]; then
  command -v npm >/dev/null || { echo "install.sh: npm is needed to build docker-ocifix (or pass --binary PATH)" >&2; exit 1; }
  make -C "$here" binary >&2
  binary=$here/dist/docker-ocifix
fi
[ -f "$binary" ] || { echo "install.sh: no binary at $binary" >&2; exit 1; }

mkdir -p "$dir"
tmp=$(mktemp "$dir/.docker-ocifix.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cp "$binary" "$tmp"
chmod 0755 "$tmp"
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

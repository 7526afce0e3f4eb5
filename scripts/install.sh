#!/bin/sh
# Installs a built checkout (`npm ci` done: dist/ and node_modules/) as a service: docs/install.md.
#
#   sudo scripts/install.sh kiosk|gateway|all [--prefix DIR] [--root DIR] [--no-enable]
#
# kiosk    the kiosk agent: user lb-kiosk (groups dialout, gpio when it exists), loyalty-button-kiosk.service
# gateway  the gateway: user lb-gateway, loyalty-button-gateway.service, /etc/loyalty-button/gateway.env
# --prefix where the release goes (default /opt/loyalty-button); the units are rewritten to point there
# --root   install into this directory as if it were / (an image being built, a test): users are added to
#          its /etc/passwd, the units enabled offline (systemctl --root), nothing started
# --no-enable  install the units but leave them disabled and stopped
#
# Run it again to upgrade or repair: the release is replaced, the units rewritten, users and the
# configuration directory put back as they should be; existing configuration files are kept.
set -eu

usage() {
  echo "usage: install.sh kiosk|gateway|all [--prefix DIR] [--root DIR] [--no-enable]" >&2
  exit 64
}
die() {
  echo "install.sh: $*" >&2
  exit 1
}

roles=''
prefix=/opt/loyalty-button
root=''
enable=yes
while [ $# -gt 0 ]; do
  case "$1" in
  kiosk | gateway) roles="$roles $1" ;;
  all) roles=' kiosk gateway' ;;
  --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift ;;
  --root) [ $# -ge 2 ] || usage; root=$2; shift ;;
  --no-enable) enable=no ;;
  -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
  *) usage ;;
  esac
  shift
done
[ -n "$roles" ] || usage
case "$prefix" in /?*) prefix=${prefix%/} ;; *) die "--prefix must be an absolute path below /: $prefix" ;; esac
if [ -n "$root" ]; then
  [ -d "$root" ] || die "--root $root: no such directory"
  root=$(cd "$root" && pwd)
  [ "$root" = / ] && root=''
fi

# The checkout this script belongs to is the release.
src=$(cd "$(dirname "$0")/.." && pwd)

[ "$(id -u)" -eq 0 ] || die "run me as root (sudo $0 …): I add users and write $prefix, /etc/loyalty-button and /etc/systemd/system"

node=$(command -v node) || die "node not found on PATH: install Node.js 20 (≥ 20.19) first (docs/install.md)"
node_version=$("$node" --version) || die "$node --version failed"
major=${node_version#v}
major=${major%%.*}
minor=${node_version#v*.}
minor=${minor%%.*}
if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
  die "Node $node_version at $node is too old: Loyalty Button needs Node 20 (≥ 20.19) (docs/install.md)"
fi
npm=$(command -v npm) || die "npm not found next to node ($node)"
command -v systemd-sysusers >/dev/null || die "systemd-sysusers not found: the services need systemd"

for built in dist/device/src/main.js dist/gateway/src/server.js dist/scripts/lb/main.js node_modules/better-sqlite3; do
  [ -e "$src/$built" ] || die "$src is not built ($built missing): run npm ci there first"
done

# The release: replaced whole (a copy next to it, then swapped), so a second run is the same as the first
# and an interrupted run leaves the old release in place. Only the runtime dependencies are kept.
dest=$root$prefix
echo "installing the release from $src into $dest"
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.new" "$dest.old"
mkdir -m 0755 "$dest.new"
cp -R --preserve=mode,timestamps "$src/bin" "$src/dist" "$src/node_modules" "$src/package.json" "$src/package-lock.json" "$dest.new/"
(cd "$dest.new" && "$npm" prune --omit=dev --offline --no-audit --no-fund --loglevel=error >/dev/null) ||
  die "npm prune in $dest.new failed"
chown -R 0:0 "$dest.new"
chmod -R go-w "$dest.new"
[ -e "$dest" ] && mv "$dest" "$dest.old"
mv "$dest.new" "$dest"
rm -rf "$dest.old"
mkdir -p "$root/usr/local/bin"
ln -sfn "$prefix/bin/lb" "$root/usr/local/bin/lb"

# Users, from the sysusers.d files (systemd-sysusers: idempotent, and works on an image with --root).
mkdir -p "$root/etc/sysusers.d"
for role in $roles; do
  install -m 0644 "$src/deploy/sysusers.d/loyalty-button-$role.conf" "$root/etc/sysusers.d/"
  systemd-sysusers --root "${root:-/}" "$root/etc/sysusers.d/loyalty-button-$role.conf"
  # A Pi's GPIO chips belong to the gpio group (johnny-five IO plugins on the Pi's own pins).
  if [ "$role" = kiosk ] && grep -q '^gpio:' "$root/etc/group"; then
    systemd-sysusers --root "${root:-/}" --inline 'm lb-kiosk gpio'
  fi
done
group_id=$(awk -F: '$1 == "loyalty-button" { print $3 }' "$root/etc/group")

# /etc/loyalty-button: the services' users may read it (a CA, certificates); secrets in it are root-only,
# handed to the services by systemd (EnvironmentFile=, LoadCredential=).
conf=$root/etc/loyalty-button
install -d -m 0750 -o 0 -g "$group_id" "$conf"
for secret in kiosk.json kiosk.env gateway.env; do
  if [ -e "$conf/$secret" ]; then chmod 0600 "$conf/$secret"; fi
done
for role in $roles; do
  case $role in
  kiosk)
    install -m 0640 -o 0 -g "$group_id" "$src/device/kiosk.example.json" "$conf/kiosk.example.json"
    ;;
  gateway)
    if [ ! -e "$conf/gateway.env" ]; then
      # A fresh admin key, kept here rather than printed: the gateway hashes it at its first start.
      token=$("$node" -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64url"))')
      umask 077
      sed "s|^LB_ADMIN_TOKEN=.*|LB_ADMIN_TOKEN=$token|" "$src/deploy/gateway.env" >"$conf/gateway.env"
      umask 022
      echo "admin API key: LB_ADMIN_TOKEN in /etc/loyalty-button/gateway.env"
    fi
    ;;
  esac
done

# The units, pointed at this machine's paths.
# bin/lb-kiosk runs `node` from PATH: put node's folder first when it is not one of the usual ones.
node_dir=$(dirname "$node")
case "$node_dir" in /usr/local/bin | /usr/bin | /bin) path=/usr/local/bin:/usr/bin:/bin ;; *) path=$node_dir:/usr/local/bin:/usr/bin:/bin ;; esac
mkdir -p "$root/etc/systemd/system"
units=''
for role in $roles; do
  unit=loyalty-button-$role.service
  units="$units $unit"
  sed -e "s|/opt/loyalty-button|$prefix|g" \
    -e "s|^Environment=PATH=/usr/local/bin:/usr/bin:/bin\$|Environment=PATH=$path|" \
    -e "s|^ExecStart=/usr/bin/node |ExecStart=$node |" \
    "$src/deploy/systemd/$unit" >"$root/etc/systemd/system/$unit.tmp"
  chmod 0644 "$root/etc/systemd/system/$unit.tmp"
  mv "$root/etc/systemd/system/$unit.tmp" "$root/etc/systemd/system/$unit"
  echo "installed /etc/systemd/system/$unit"
done

if [ "$enable" = no ]; then
  echo "not enabled (--no-enable): systemctl enable --now$units"
elif [ -n "$root" ]; then
  # shellcheck disable=SC2086 # one word per unit
  systemctl --root "$root" --quiet enable $units
  echo "enabled in $root:$units"
elif [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  # shellcheck disable=SC2086
  systemctl --quiet enable $units
  # shellcheck disable=SC2086 # a reinstall runs the new release; an unprovisioned kiosk is skipped (ConditionPathExists)
  systemctl restart $units
  echo "enabled and started:$units"
else
  echo "not enabled: this system was not booted with systemd"
fi

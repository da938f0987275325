#!/bin/sh
# Writes a new deploy/room.env from deploy/room.env.example with every secret freshly made
# (openssl rand -hex), including the 20 seats' SIP passwords; the site's other lines
# (ROOM_LAN_INTERFACE, ROOM_DOMAIN, ...) are left as in the example for you to edit.
# Never overwrites an existing file: secrets in use are changed one by one (docs/deploy.md).
#
#   deploy/new-room-env.sh [OUTPUT]        (default deploy/room.env; needs openssl and jq)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/room.env}
if [ -e "$out" ]; then
    echo "new-room-env: $out exists; not overwritten" >&2
    exit 1
fi
for tool in openssl jq; do
    command -v "$tool" >/dev/null || { echo "new-room-env: needs $tool" >&2; exit 1; }
done
umask 077
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cp "$here/room.env.example" "$tmp"
for name in POSTGRES_PASSWORD ASTERISK_DB_PASSWORD REDIS_PASSWORD CALLCENTER_API__JWT_SECRET \
    CALLCENTER_AMI__SECRET CALLCENTER_API__METRICS_TOKEN; do
    sed -i "s|^$name=.*|$name=$(openssl rand -hex 32)|" "$tmp"
done
seats=$(for n in $(seq -w 1 20); do
    printf '{"key":"Seat %s","value":{"user":"seat%s","password":"%s"}}\n' \
        "$n" "$n" "$(openssl rand -hex 24)"
done | jq -cs from_entries)
sed -i "s|^CALLCENTER_PHONE__SEATS=.*|CALLCENTER_PHONE__SEATS='$seats'|" "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "new-room-env: wrote $out (mode 600); now set ROOM_LAN_INTERFACE and ROOM_DOMAIN in it" >&2

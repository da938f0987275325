#!/bin/sh
# The Asterisk image's entry point: install the project's configuration with this site's
# secrets, refuse placeholders, then exec Asterisk (CMD) in the foreground.
#
# The files are the repository's asterisk/*.conf and dialplans/extensions.conf as they are
# (copied into the image under $SOURCE); only secrets are written into them, at start, never
# into the image:
#   manager.conf [callcenter] secret  <- CALLCENTER_AMI__SECRET (callcenter logs in with it)
#   pjsip.conf   [seatNN] password    <- CALLCENTER_PHONE__SEATS, the JSON callcenter gives
#                                        each operator's browser ({"Seat 03": {"user":
#                                        "seat03", "password": "..."}}): one source for both
#   res_pgsql.conf dbpass, cel_pgsql.conf password <- ASTERISK_DB_PASSWORD
# Then no "change-me" may be left in any installed file, or Asterisk does not start.
# The room's certificate (deploy/certs/room.crt, room.key, mounted on $CERTS) becomes
# http.conf's /etc/asterisk/keys/asterisk.crt and .key, readable by the asterisk user only.
#
# "entrypoint.sh --render-only" stops after writing $ETC (used by tests/deploy).
set -eu

SOURCE=${ASTERISK_CONFIG_SOURCE:-/usr/share/callcenter}
ETC=${ASTERISK_ETC:-/etc/asterisk}
CERTS=${ROOM_CERTS:-/run/room-certs}
CHECK=${CHECK_SECRETS:-check-secrets}

"$CHECK" CALLCENTER_AMI__SECRET ASTERISK_DB_PASSWORD CALLCENTER_PHONE__SEATS:text

umask 027
install -d "$ETC"
cp "$SOURCE"/asterisk/*.conf "$ETC"/
cp "$SOURCE"/dialplans/extensions.conf "$ETC"/extensions.conf

edits=$(mktemp)
trap 'rm -f "$edits"' EXIT
# One line per edit: file TAB section TAB key TAB value. Values passed the secret rule
# (check-secrets: no tab, newline, ";" or quote can be in them).
printf 'manager.conf\tcallcenter\tsecret\t%s\n' "$CALLCENTER_AMI__SECRET" >>"$edits"
printf 'res_pgsql.conf\tgeneral\tdbpass\t%s\n' "$ASTERISK_DB_PASSWORD" >>"$edits"
printf 'cel_pgsql.conf\tglobal\tpassword\t%s\n' "$ASTERISK_DB_PASSWORD" >>"$edits"
if ! seats=$(printf '%s' "$CALLCENTER_PHONE__SEATS" |
    jq -r 'to_entries[] | [.value.user, .value.password] | @tsv'); then
    echo "asterisk: CALLCENTER_PHONE__SEATS is not the JSON object of deploy/room.env.example" >&2
    exit 78
fi
bad=0
printf '%s\n' "$seats" | while IFS="$(printf '\t')" read -r user password; do
    [ -n "$user" ] || continue
    # each seat's password obeys the same rule as every other secret
    SEAT_PASSWORD=$password "$CHECK" SEAT_PASSWORD >/dev/null 2>&1 || {
        echo "asterisk: the password of $user in CALLCENTER_PHONE__SEATS: at least 16 of A-Z a-z 0-9 . _ ~ - and no placeholder" >&2
        exit 1
    }
    printf 'pjsip.conf\t%s\tpassword\t%s\n' "$user" "$password" >>"$edits"
done || bad=1
[ "$bad" -eq 0 ] || exit 78

# Apply the edits: in FILE, in every section named SECTION, the line "KEY = ..." gets VALUE.
# An edit that finds no such line is an error (a seat unknown to pjsip.conf, a renamed key).
for file in $(cut -f1 "$edits" | sort -u); do
    awk -F '\t' -v file="$file" -v out="$ETC/$file.new" '
        FNR == NR { if ($1 == file) { want[$2 SUBSEP $3] = $4; used[$2 SUBSEP $3] = 0 } next }
        {
            line = $0
            if (match(line, /^[ \t]*\[[^]]+\]/)) {
                section = substr(line, RSTART, RLENGTH); sub(/^[ \t]*\[/, "", section); sub(/\]$/, "", section)
            } else if (match(line, /^[ \t]*[A-Za-z_]+[ \t]*=/)) {
                key = substr(line, RSTART, RLENGTH); gsub(/[ \t=]/, "", key)
                if ((section SUBSEP key) in want) {
                    line = key " = " want[section SUBSEP key]
                    used[section SUBSEP key]++
                }
            }
            print line > out
        }
        END {
            for (k in used) if (used[k] == 0) {
                split(k, part, SUBSEP)
                printf "asterisk: %s has no \"%s =\" line in [%s]\n", file, part[2], part[1] > "/dev/stderr"
                failed = 1
            }
            exit failed
        }' "$edits" "$ETC/$file" || exit 78
    mv "$ETC/$file.new" "$ETC/$file"
done

# Nothing may be left a placeholder outside comments: a seat missing from
# CALLCENTER_PHONE__SEATS, a new file with a password.
left=$(grep -n -i '^[^;]*change-me' "$ETC"/*.conf | sed 's/=.*/= .../' || true)
if [ -n "$left" ]; then
    echo "asterisk: placeholders left in the configuration (value hidden):" >&2
    printf '%s\n' "$left" >&2
    exit 78
fi

if [ -f "$CERTS/room.crt" ] && [ -f "$CERTS/room.key" ]; then
    install -d -m 750 "$ETC/keys"
    install -m 644 "$CERTS/room.crt" "$ETC/keys/asterisk.crt"
    install -m 600 "$CERTS/room.key" "$ETC/keys/asterisk.key"
else
    echo "asterisk: no $CERTS/room.crt and room.key: direct wss on 8089 is off (the proxy's /ws still works)" >&2
fi

[ "${1:-}" = --render-only ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    chown -R asterisk:asterisk "$ETC"
    install -d -o asterisk -g asterisk /var/run/asterisk /var/log/asterisk /var/spool/asterisk \
        /var/lib/asterisk /var/lib/asterisk/astdb /var/cache/asterisk
fi
exec "$@"

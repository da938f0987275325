#!/bin/sh
# Refuses to start a container whose secrets are missing or still placeholders.
#
#   check-secrets.sh NAME... [-- COMMAND ARGS...]
#
# NAME      a secret: set, not a placeholder ("change-me" anywhere, the demo values), at least
#           16 characters (32 for a *JWT_SECRET), and only A-Z a-z 0-9 . _ ~ - (what
#           `openssl rand -hex 32` prints): such a value is safe inside a URL
#           (CALLCENTER_DATABASE__URL), an Asterisk .conf (where ";" starts a comment) and JSON.
# NAME:text a value that embeds secrets (a URL, CALLCENTER_PHONE__SEATS): set, no placeholder.
#
# Names the variable and the rule it breaks, never its value. Exit 78 (EX_CONFIG) on refusal,
# so `docker compose ps` shows the stack did not start for a configuration reason; otherwise
# exec COMMAND (the container's real entry point).
set -eu

refused=0
refuse() {
    echo "check-secrets: $1: $2 (see deploy/room.env.example and docs/deploy.md)" >&2
    refused=1
}

placeholder() {
    # change-me in any spelling, and the values the demo and the old compose file used
    lowered=$(printf '%s' "$1" | tr 'A-Z' 'a-z')
    case "$lowered" in
        *change-me* | *changeme* | *change_me*) return 0 ;;
        callcenter | demo-password | password | secret) return 0 ;;
    esac
    return 1
}

while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    spec=$1
    shift
    name=${spec%%:*}
    kind=secret
    [ "$name" != "$spec" ] && kind=${spec#*:}
    case "$name" in
        '' | [0-9]* | *[!A-Za-z0-9_]*) echo "check-secrets: bad variable name '$name'" >&2; exit 64 ;;
    esac
    eval "set_=\${$name+x}"
    if [ -z "$set_" ]; then
        refuse "$name" "not set"
        continue
    fi
    eval "value=\${$name}"
    if [ -z "$value" ]; then
        refuse "$name" "empty"
        continue
    fi
    if placeholder "$value"; then
        refuse "$name" "still a placeholder or demo value"
        continue
    fi
    [ "$kind" = text ] && continue
    minimum=16
    case "$name" in *JWT_SECRET) minimum=32 ;; esac
    if [ "${#value}" -lt "$minimum" ]; then
        refuse "$name" "shorter than $minimum characters"
    fi
    case "$value" in
        *[!A-Za-z0-9._~-]*) refuse "$name" "only A-Z a-z 0-9 . _ ~ - are allowed (openssl rand -hex 32)" ;;
    esac
done

[ "$refused" -eq 0 ] || exit 78
[ $# -gt 0 ] && shift  # the "--"
[ $# -gt 0 ] || exit 0
exec "$@"

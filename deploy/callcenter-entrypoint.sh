#!/bin/sh
# The callcenter image's entry point: refuse placeholder secrets, then run `callcenter ARGS`.
#
# Which secrets a command needs depends on what it does:
#   serve --role all     database, Redis, AMI secret, JWT secret, metrics token, seats' SIP accounts
#   serve --role bridge  database, Redis, AMI secret, metrics token (it signs no tokens)
#   serve --role api     database, Redis, JWT secret, metrics token, seats' SIP accounts
#   anything else        the database (db upgrade, users add, export ...)
# `callcenter serve` also refuses the default JWT secret itself (callcenter/auth/tokens.py);
# this check covers the secrets it cannot judge (the AMI secret must merely match manager.conf).
set -eu

role=all
if [ "${1:-}" = serve ]; then
    previous=
    for arg in "$@"; do
        case "$arg" in --role=*) role=${arg#--role=} ;; esac
        [ "$previous" = --role ] && role=$arg
        previous=$arg
    done
    case "$role" in
        all) need="CALLCENTER_AMI__SECRET CALLCENTER_API__JWT_SECRET CALLCENTER_PHONE__SEATS:text" ;;
        bridge) need="CALLCENTER_AMI__SECRET" ;;
        api) need="CALLCENTER_API__JWT_SECRET CALLCENTER_PHONE__SEATS:text" ;;
        *) need="" ;;  # callcenter itself rejects an unknown role
    esac
    need="CALLCENTER_DATABASE__URL:text CALLCENTER_REDIS__URL:text CALLCENTER_API__METRICS_TOKEN $need"
else
    need="CALLCENTER_DATABASE__URL:text"
fi

# shellcheck disable=SC2086  # one word per variable
exec "${CHECK_SECRETS:-check-secrets}" $need -- "${CALLCENTER_BIN:-callcenter}" "$@"

#!/usr/bin/env bash
# Bounded fuzz run (test/security/fuzz.py): random deployments, index options and odd calls; fails on a crash, hang or XX000.
exec python3 "$(dirname "$0")/fuzz.py" "$@"

#!/bin/sh
# /usr/bin/scenarist: the command line and the desktop editor, from the bundle in /usr/lib.
exec /usr/lib/scenarist/scenarist "$@"

#!/bin/sh
# Looping: watches for alerts; logs to stderr when one fires.
trap 'echo "alert manager stopping"; exit 0' TERM
while true; do
  if [ $(( $(date +%s) % 20 )) -eq 0 ]; then echo "ALERT: temperature spike" >&2; fi
  sleep 1 &
  wait $!
done

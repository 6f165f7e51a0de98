#!/bin/sh
# Periodic: one reading per run.
temperature=$(( $(date +%s) % 15 + 10 ))
echo "temperature reading: ${temperature}°C"

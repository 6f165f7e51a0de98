#!/bin/sh
# Oneshot: prepares something, then exits 0.
echo "warming cache..."
sleep 1
echo "cache ready"

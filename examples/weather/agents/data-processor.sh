#!/bin/sh
# Looping: processes batches until it is stopped.
trap 'echo "processor stopping"; exit 0' TERM
batch=0
echo "processor ready"
while true; do
  batch=$((batch + 1))
  echo "processed batch ${batch} (size ${BATCH_SIZE:-10})"
  sleep 3 &
  wait $!
done

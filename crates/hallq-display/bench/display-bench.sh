#!/bin/bash
# The wall display's CPU and memory at 1080p under Xvfb (docs/BENCHMARKS.md, "Wall display"):
# 60 s idle, 60 s with a call every 3 s, 60 s idle with the announcement marquee scrolling.
# Needs the release binaries (cargo build --release -p hallq -p hallq-display), Xvfb and
# mosquitto-clients. Run from the repository's root; DISPLAY_ARGS adds arguments to the display.
set -u
PORT=18843
DATA=$(mktemp -d)
HALLQ_DATA_DIR=$DATA HALLQ_LISTEN=127.0.0.1:$PORT RUST_LOG=warn target/release/hallq hub --config deploy/hall.example.toml > $DATA/hub.log 2>&1 &
HUB=$!
Xvfb :43 -screen 0 1920x1080x24 -nolisten tcp > /dev/null 2>&1 &
XV=$!
sleep 3
DISPLAY=:43 HALLQ_DEVICE_SECRET=change-me RUST_LOG=warn,hallq_display=info target/release/hallq-display --broker 127.0.0.1:$PORT ${DISPLAY_ARGS:-} > $DATA/display.log 2>&1 &
DP=$!
pub() { mosquitto_pub -p $PORT -q 1 -u "$1" -P change-me -i "$1" -t "hallq/v1/demo/cmd/$1" -m "$2"; }
sleep 10   # start-up, first board, first render
measure() { # $1 = label; samples over 60 s
  local t0 u0 t1 u1 hz
  hz=$(getconf CLK_TCK)
  read -r u0 < <(awk '{print $14+$15}' /proc/$DP/stat); t0=$(date +%s.%N)
  sleep 60
  read -r u1 < <(awk '{print $14+$15}' /proc/$DP/stat); t1=$(date +%s.%N)
  echo "$1: CPU $(echo "scale=2; 100*($u1-$u0)/$hz/($t1-$t0)" | bc) % of a core; $(grep -E 'VmRSS|VmHWM' /proc/$DP/status | tr -s ' \n' ' ')"
}
measure idle
pub counter-3 '{"v":1,"id":"b-signin","device":"counter-3","kind":"sign_in","staff":"E1001"}'
( for i in $(seq 1 25); do
    pub kiosk-1 "{\"v\":1,\"id\":\"b-t$i\",\"device\":\"kiosk-1\",\"kind\":\"issue_ticket\",\"business\":\"basic\",\"lang\":\"zh\"}"
    pub counter-3 "{\"v\":1,\"id\":\"b-c$i\",\"device\":\"counter-3\",\"kind\":\"call_next\"}"
    sleep 1.5
    pub counter-3 "{\"v\":1,\"id\":\"b-s$i\",\"device\":\"counter-3\",\"kind\":\"start_service\"}"
    pub counter-3 "{\"v\":1,\"id\":\"b-f$i\",\"device\":\"counter-3\",\"kind\":\"finish\",\"result\":\"done\"}"
    sleep 1.5
  done ) &
LOAD=$!
sleep 2
measure "a call every 3 s"
wait $LOAD
END=$(( ($(date +%s) + 3600) * 1000 ))
pub supervisor-1 "{\"v\":1,\"id\":\"b-a1\",\"device\":\"supervisor-1\",\"kind\":\"announcement_post\",\"announcement\":\"upgrade\",\"text\":{\"zh\":\"今晚 22:00 系统升级，届时暂停办理业务\",\"en\":\"System upgrade tonight at 22:00; counters pause then.\"},\"ends_at_ms\":$END,\"where_to_ask\":{\"zh\":\"咨询台\",\"en\":\"information desk\"}}"
sleep 3
measure "idle, the announcement marquee scrolling"
echo "calls that reached the voice: $(grep -cE 'call (spoken|not heard|\(voice off\))' $DATA/display.log)"
kill $DP; sleep 1; kill $HUB $XV
wait 2>/dev/null
rm -rf "$DATA"

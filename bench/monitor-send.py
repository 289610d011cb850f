# Paced VRRP sender for bench/monitor.ts: every frame once per `interval` seconds, the frames spread
# evenly across the interval (as independent VRRP timers are), for `seconds`. Reads JSON on stdin:
#   {"iface": "vsb123b", "frames": ["<hex>", ...], "interval": 1.0, "seconds": 90}
import json
import socket
import sys
import time

spec = json.load(sys.stdin)
frames = [bytes.fromhex(h) for h in spec["frames"]]
interval = float(spec["interval"])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((spec["iface"], 0))
step = interval / len(frames)
t0 = time.time()
end = t0 + float(spec["seconds"])
n = 0
while True:
    due = t0 + n * step
    if due >= end:
        break
    now = time.time()
    if due > now:
        time.sleep(due - now)
    try:
        s.send(frames[n % len(frames)])
    except OSError:
        pass
    n += 1
print(json.dumps({"sent": n}))

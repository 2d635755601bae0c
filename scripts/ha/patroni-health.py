#!/usr/bin/env python3
"""The pg-N containers' health check: healthy when this node's PostgreSQL runs and the
cluster, as this node's Patroni sees it, has a leader and a synchronous standby, i.e.
can commit a write in strict synchronous mode. `docker compose up --wait` returns only
then, so the first POST after it gets a 201."""
import json
import sys
import urllib.request

try:
    with urllib.request.urlopen("http://127.0.0.1:8008/cluster", timeout=2) as r:
        members = json.load(r)["members"]
    with urllib.request.urlopen("http://127.0.0.1:8008/health", timeout=2) as r:
        pass  # 200: PostgreSQL is running here
except Exception as e:
    print(f"unhealthy: {e}")
    sys.exit(1)
roles = {m["role"] for m in members if m.get("state") in ("running", "streaming")}
if not {"leader", "sync_standby"} <= roles:
    print(f"unhealthy: roles running {sorted(roles)}")
    sys.exit(1)
print("healthy")

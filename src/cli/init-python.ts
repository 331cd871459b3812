// `exsoak init --python`: a Python client soaked as a `kind: process` probe with `python: true`
// (docs/process-probes.md): a standard-library placeholder that talks to the Binance simulator's
// REST API and prints NDJSON events, and a scenario that passes as it is.

export function pythonClientSource(): string {
  return `"""Your Python client, soaked by exsoak as a process probe with python: true.

Replace the loop below with your own client. exsoak exports the simulator's URLs
(EXSOAK_BINANCE_REST, EXSOAK_BINANCE_WS); one JSON object per stdout line is an event
({"event": "disconnect", "scheduled": false} counts drops.unscheduled). With python: true exsoak
reads this program's Python heap floor (tracemalloc after gc.collect()) and, if it leaks, names
the line that allocates and the container that holds it. Standard library only.
"""
import json
import os
import signal
import sys
import time
import urllib.request

REST = os.environ.get("EXSOAK_BINANCE_REST", "https://api.binance.com")


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(json.dumps({"event": "connect", "url": REST}), flush=True)
    polls = 0
    while True:
        try:
            with urllib.request.urlopen(REST + "/api/v3/time", timeout=5) as res:
                json.loads(res.read())
            polls += 1
            print(json.dumps({"counters": {"messages": polls}}), flush=True)
        except OSError as err:
            print(json.dumps({"event": "disconnect", "scheduled": False, "error": str(err)}), flush=True)
        time.sleep(0.2)


if __name__ == "__main__":
    main()
`;
}

export function pythonScenarioSource(name: string, client: string, schema: string): string {
  return `${scenarioHead(name, schema)}
    kind: process
    command: [python3, ${client}]         # CPython >= 3.9 for python: true
    simulator: binance
    python: true                        # heap floor + culprits from a tracemalloc agent
    events: stdout-ndjson
    ready: { line: '"event": "connect"', timeout: 30s }
    thresholds:
      - events.connect >= 1
      - drops.unscheduled < 10
      - heap_floor_mb.growth < 50
      - rss_mb.max < 450
${SCENARIO_TAIL}`;
}

/** What both scaffolded scenarios start with, up to the probe's kind. */
export function scenarioHead(name: string, schema: string): string {
  return `# yaml-language-server: $schema=${schema}
# Run: npx exsoak run ${'{{scenario}}'}     (then --duration 24h for the real soak)
name: ${name}
duration: 1m
# Leak budgets project over the day this minute stands for: without it, a leak is judged against
# 50 MB over the run itself (a 190 MB/h leak passed a 4-minute trial).
nominalDuration: 24h
# A report every 6 h of that day: four in the minute (hourly would be one every 2.5 s).
report: { every: 6h }
sampleInterval: 1s
gcFloorInterval: 2s
leak: { warmup: 10s }
simulators:
  binance: { rate: 10 }
probes:
  client:`;
}

/** What both end with: the seed's abort on the supervisor's RSS. */
export const SCENARIO_TAIL = `process:
  thresholds:
    - threshold: rss_mb.max < 450
      abortOnFail: true
`;

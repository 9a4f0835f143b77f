// Command ws is Keel's WebSocket load script (`task bench:ws`). It creates a fresh
// database, starts two api instances and a worker (the outbox relay) from bin/, opens N
// WebSocket connections spread over both instances, then broadcasts events (outbox rows on
// topic "broadcast", relayed through Redis fan-out exactly as a notification to all would
// be) and measures, for every connection and event, the time from the event's creation to
// its arrival at the client: it prints p50, p99 and max, and each api's memory per
// connection (RSS after the connections are open minus RSS before, divided by the
// connections it holds).
//
// The per-IP and per-user connection caps and the rate limits are lifted for the run. N
// connections need N open files on both sides: every Go process (this script and the apis)
// raises its own soft open-file limit to the hard limit at start-up, so the hard limit
// (ulimit -Hn) must exceed N plus a few hundred. (Task's built-in shell has no ulimit.)
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

// options are the script's flags.
type options struct {
	conns    int
	users    int
	events   int
	every    time.Duration
	bin      string
	adminURL string
	dbName   string
	redisURL string
}

func main() {
	var o options
	flag.IntVar(&o.conns, "n", 10_000, "WebSocket connections, spread over the two api instances")
	flag.IntVar(&o.users, "users", 100, "accounts the connections sign in as (n/users connections each)")
	flag.IntVar(&o.events, "events", 20, "broadcast events measured")
	flag.DurationVar(&o.every, "every", 500*time.Millisecond, "time between two broadcast events")
	flag.StringVar(&o.bin, "bin", "bin", "directory of the built binaries (api, worker, migrate)")
	flag.StringVar(&o.adminURL, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server (any database) the script creates its own in")
	flag.StringVar(&o.dbName, "db", "keel_bench_ws", "database the script (re)creates and drops")
	flag.StringVar(&o.redisURL, "redis", "redis://127.0.0.1:6379/0", "Redis (keys and channels under a fresh prefix)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench ws:", err)
		os.Exit(1)
	}
}

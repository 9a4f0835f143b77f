// Command worker runs Keel's background jobs (River) and the outbox relay (events into the
// durable log, then out on Redis), and serves /livez, /readyz and
// /metrics on its own HTTP_ADDR (default :8081). It takes no arguments.
package main

import (
	"fmt"
	"os"

	"github.com/keelhq/keel/cmd/internal/boot"
	"github.com/keelhq/keel/platform/config"
)

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "usage: worker (it takes no arguments; its settings are environment variables)")
		os.Exit(2)
	}
	os.Exit(boot.Run(config.ProcessWorker, boot.Platform, boot.Mail, boot.Core, boot.Contexts, boot.Worker, boot.Relay, boot.HTTP))
}

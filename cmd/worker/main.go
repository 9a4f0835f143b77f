// Command worker runs Keel's background jobs (River) and the outbox relay (events into the
// durable log, then out on Redis), and serves /livez, /readyz and
// /metrics on its own HTTP_ADDR (default :8081).
package main

import (
	"os"

	"github.com/keelhq/keel/cmd/internal/boot"
	"github.com/keelhq/keel/platform/config"
)

func main() {
	os.Exit(boot.Run(config.ProcessWorker, boot.Platform, boot.Mail, boot.Core, boot.Contexts, boot.Worker, boot.Relay, boot.HTTP))
}

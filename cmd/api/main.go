// Command api serves Keel's HTTP and WebSocket API.
package main

import (
	"os"

	"github.com/keelhq/keel/cmd/internal/boot"
	"github.com/keelhq/keel/platform/config"
)

func main() {
	os.Exit(boot.Run(config.ProcessAPI, boot.Platform, boot.HTTP))
}

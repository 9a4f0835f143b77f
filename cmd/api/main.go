// Command api serves Keel's HTTP API.
package main

import (
	"os"

	"github.com/keelhq/keel/cmd/internal/boot"
	"github.com/keelhq/keel/platform/config"
)

func main() {
	os.Exit(boot.Run(config.ProcessAPI, boot.Platform, boot.Mail, boot.Core, boot.Contexts, boot.API, boot.Realtime, boot.HTTP))
}

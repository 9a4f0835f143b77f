// Command api serves Keel's HTTP API:
//
//	api            serve (HTTP_ADDR, default :8080) until SIGINT or SIGTERM
//	api openapi    print the OpenAPI document the api serves at /openapi.json, and exit;
//	               nothing is started or dialled (what `task client:ts` generates types from)
package main

import (
	"fmt"
	"os"

	"go.uber.org/fx"

	"github.com/keelhq/keel/cmd/internal/boot"
	"github.com/keelhq/keel/platform/config"
)

const usage = "usage: api [openapi]"

func main() {
	modules := []fx.Option{boot.Platform, boot.Mail, boot.Core, boot.Contexts, boot.API, boot.Realtime, boot.HTTP}
	switch args := os.Args[1:]; {
	case len(args) == 0:
		os.Exit(boot.Run(config.ProcessAPI, modules...))
	case len(args) == 1 && args[0] == "openapi":
		os.Exit(boot.OpenAPI(config.ProcessAPI, os.Stdout, modules...))
	}
	fmt.Fprintln(os.Stderr, usage)
	os.Exit(2)
}

// Command cron runs Keel's scheduled actions:
//
//	cron             run the scheduler (serves /livez, /readyz, /metrics on HTTP_ADDR, default :8082)
//	cron list        print every scheduled action and its schedule
//	cron run NAME    run one action now; the exit status is its outcome
package main

import (
	"context"
	"fmt"
	"os"

	"go.uber.org/fx"

	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/cmd/internal/boot"
	"github.com/keelhq/keel/platform/config"
)

const usage = "usage: cron [list | run NAME]"

type deps struct {
	fx.In
	Registry *schedule.Registry
}

func main() {
	modules := []fx.Option{boot.Platform, boot.Mail, boot.Core, boot.Contexts, boot.Schedule}
	args := os.Args[1:]
	switch {
	case len(args) == 0:
		os.Exit(boot.Run(config.ProcessCron, append(modules, boot.Scheduler, boot.HTTP)...))
	case len(args) == 1 && args[0] == "list":
		os.Exit(boot.Command(config.ProcessCron, list, modules...))
	case len(args) == 2 && args[0] == "run":
		name := args[1]
		os.Exit(boot.Command(config.ProcessCron, func(ctx context.Context, d deps) error {
			return d.Registry.RunOnce(ctx, name)
		}, modules...))
	}
	fmt.Fprintln(os.Stderr, usage)
	os.Exit(2)
}

func list(_ context.Context, d deps) error {
	for _, a := range d.Registry.List() {
		fmt.Printf("%-32s %-16s timeout %s\n", a.Name, a.Spec, a.Timeout)
	}
	return nil
}

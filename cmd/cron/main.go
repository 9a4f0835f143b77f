// Command cron runs Keel's scheduled actions:
//
//	cron             run the scheduler (serves /livez, /readyz, /metrics on HTTP_ADDR, default :8082);
//	                 one instance leads at a time, the others wait to take over
//	cron list        print every scheduled action: schedule, last run and next run
//	cron run NAME    run one action now through the ledger; the exit status is its outcome
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"go.uber.org/fx"

	pgschedule "github.com/keelhq/keel/adapters/postgres/schedule"
	"github.com/keelhq/keel/application/schedule"
	"github.com/keelhq/keel/cmd/internal/boot"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/database"
	"github.com/keelhq/keel/ports"
)

const usage = "usage: cron [list | run NAME]"

type deps struct {
	fx.In
	Registry  *schedule.Registry
	Ledger    schedule.Ledger
	Scheduler *schedule.Scheduler
	Clock     ports.Clock
	DB        *database.DB
}

func main() {
	modules := []fx.Option{boot.Platform, boot.Mail, boot.Core, boot.Contexts, boot.EventLog}
	args := os.Args[1:]
	switch {
	case len(args) == 0:
		os.Exit(boot.Run(config.ProcessCron, append(modules, boot.Scheduler, boot.HTTP)...))
	case len(args) == 1 && args[0] == "list":
		os.Exit(boot.Command(config.ProcessCron, list, modules...))
	case len(args) == 2 && args[0] == "run":
		name := args[1]
		os.Exit(boot.Command(config.ProcessCron, func(ctx context.Context, d deps) error { return run(ctx, d, name) }, modules...))
	}
	fmt.Fprintln(os.Stderr, usage)
	os.Exit(2)
}

// list prints one line per action: name, schedule, timeout, catch-up policy, last run
// (status and start) and next window.
func list(ctx context.Context, d deps) error {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ACTION\tSCHEDULE\tTIMEOUT\tCATCH-UP\tLAST RUN\tNEXT RUN")
	now := d.Clock.Now()
	for _, e := range d.Registry.List() {
		last := "never"
		r, ok, err := d.Ledger.Latest(ctx, e.Name)
		if err != nil {
			return err
		}
		if ok {
			last = fmt.Sprintf("%s %s", r.Status, r.StartedAt.UTC().Format(time.RFC3339))
		}
		next := "off"
		if !e.Spec.Off() {
			next = e.Spec.Next(now).Format(time.RFC3339)
		}
		spec := e.Spec.String()
		if e.TimeZone != "" {
			spec += " (" + e.TimeZone + ")"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, spec, e.Timeout, e.CatchUp, last, next)
	}
	return w.Flush()
}

// run runs the named action once through the ledger, holding the action's lock on its own
// connection.
func run(ctx context.Context, d deps, name string) error {
	if _, ok := d.Registry.Get(name); !ok {
		return fmt.Errorf("no scheduled action named %q; known actions: %s", name, strings.Join(d.Registry.Names(), ", "))
	}
	locks, err := pgschedule.OpenLocks(ctx, d.DB.Pool.Config().ConnConfig)
	if err != nil {
		return err
	}
	defer locks.Close()
	r, err := d.Scheduler.RunNow(ctx, locks, name)
	if errors.Is(err, schedule.ErrBusy) {
		return fmt.Errorf("%s: %w; try again when it has finished", name, err)
	}
	if r.ID != uuid.Nil {
		fmt.Printf("%s %s in %s (run %s)\n", name, r.Status, r.Duration().Round(time.Millisecond), r.ID)
	}
	return err
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// defaultShutdownTimeout is the processes' own default for SHUTDOWN_TIMEOUT.
const defaultShutdownTimeout = 10 * time.Second

// killMargin is how long past SHUTDOWN_TIMEOUT a child may take to exit before it is
// killed: its own stop is bounded by SHUTDOWN_TIMEOUT, the margin covers leaving main.
const killMargin = time.Second

// parentPollInterval is how often dev checks that its parent (usually task) still lives.
const parentPollInterval = 500 * time.Millisecond

// services are the long-running processes, in start order.
var services = []string{"api", "worker", "cron"}

// spec says how to start one child: its name, its binary and its arguments.
type spec struct {
	name string
	path string
	args []string
}

// options are dev's settings, from its flags and from SHUTDOWN_TIMEOUT.
type options struct {
	migrate  spec
	services []spec
	// grace is how long children may take to stop before they are killed.
	grace time.Duration
}

// run is the whole of dev: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseOptions(args, os.LookupEnv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "dev: %v\n", err)
		return 2
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	s := newSupervisor(stdout, stderr, opts.grace, sigs, watchParent(parentPollInterval))
	return s.session(opts)
}

// parseOptions reads the flags in args and SHUTDOWN_TIMEOUT through lookup.
func parseOptions(args []string, lookup func(string) (string, bool), stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dev [-bin DIR] [-migrate PATH] [-api PATH] [-worker PATH] [-cron PATH]")
		fmt.Fprintln(stderr, "Runs `migrate up`, then api, worker and cron together until interrupted.")
		fs.PrintDefaults()
	}
	bin := fs.String("bin", "./bin", "`DIR`ectory holding the binaries built from ./cmd/...")
	paths := make(map[string]*string)
	for _, name := range append([]string{"migrate"}, services...) {
		paths[name] = fs.String(name, "", "`PATH` of the "+name+" binary (default DIR/"+name+")")
	}
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	path := func(name string) string {
		if p := *paths[name]; p != "" {
			return p
		}
		return filepath.Join(*bin, name)
	}
	opts := options{migrate: spec{name: "migrate", path: path("migrate"), args: []string{"up"}}}
	for _, name := range services {
		opts.services = append(opts.services, spec{name: name, path: path(name)})
	}
	timeout := defaultShutdownTimeout
	if v, _ := lookup("SHUTDOWN_TIMEOUT"); strings.TrimSpace(v) != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d <= 0 {
			return options{}, fmt.Errorf("SHUTDOWN_TIMEOUT: cannot parse %q as a duration such as 10s", v)
		}
		timeout = d
	}
	opts.grace = timeout + killMargin
	return opts, nil
}

// missing lists the binaries among specs that cannot be found.
func missing(specs []spec) []string {
	var out []string
	for _, sp := range specs {
		if st, err := os.Stat(sp.path); err != nil || st.IsDir() {
			out = append(out, sp.path)
		}
	}
	return out
}

// watchParent returns a channel that is closed when dev's parent process goes away (dev is
// then re-parented), so that killing the task runner does not leave the services running.
func watchParent(every time.Duration) <-chan struct{} {
	gone := make(chan struct{})
	ppid := os.Getppid()
	if ppid <= 1 {
		return gone // already an orphan or a service: nothing to watch
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for range t.C {
			if os.Getppid() != ppid {
				close(gone)
				return
			}
		}
	}()
	return gone
}

// Command dev runs Keel on a development machine: it applies the migrations with
// `migrate up`, then runs api, worker and cron together as child processes, every line of
// their output prefixed with the process's name.
//
//	dev [-bin DIR] [-migrate PATH] [-api PATH] [-worker PATH] [-cron PATH]
//
// It builds nothing: the binaries come from DIR (default ./bin), as `task build` leaves
// them. The children inherit dev's environment, so the configuration variables work as
// for each process alone. SIGINT and SIGTERM are passed on to every child; a second one
// kills them at once. A child that exits on its own stops the others. Children still
// running SHUTDOWN_TIMEOUT (default 10s) plus one second after a stop began are killed.
// The exit status is 0 only when every child exited 0.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

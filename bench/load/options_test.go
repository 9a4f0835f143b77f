package main

import (
	"strings"
	"testing"
	"time"
)

func TestOptionsCheckRefusesWhatTheSuiteCannotRun(t *testing.T) {
	t.Parallel()
	ok := options{users: 100_000, conns: 64, rounds: 3, duration: 5 * time.Second, logins: 5 * time.Second, threads: 1}
	if err := ok.check(); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	smallest := ok
	smallest.users, smallest.conns, smallest.rounds, smallest.duration, smallest.logins, smallest.threads = minUsers, 1, 1, time.Second, time.Second, 1
	if err := smallest.check(); err != nil {
		t.Fatalf("smallest valid options refused: %v", err)
	}
	for name, tc := range map[string]struct {
		mutate func(*options)
		want   string
	}{
		"too few users":  {func(o *options) { o.users = 1000 }, "-users 1000: at least 20021"},
		"no rounds":      {func(o *options) { o.rounds = 0 }, "-rounds"},
		"no conns":       {func(o *options) { o.conns = 0 }, "-c"},
		"short run":      {func(o *options) { o.duration = 500 * time.Millisecond }, "-d"},
		"negative procs": {func(o *options) { o.procs = -1 }, "-gomaxprocs"},
		"no wrk threads": {func(o *options) { o.threads = 0 }, "-wrk-threads"},
	} {
		o := ok
		tc.mutate(&o)
		if err := o.check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: check() = %v, want an error containing %q", name, err, tc.want)
		}
	}
}

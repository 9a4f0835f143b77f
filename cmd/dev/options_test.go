package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMissingBinariesFailBeforeAnythingRuns(t *testing.T) {
	var stdout, stderr bytes.Buffer
	dir := t.TempDir()
	if code := run([]string{"-bin", dir}, &stdout, &stderr); code != 1 {
		t.Fatalf("run exited %d, want 1", code)
	}
	want := "cannot find " + filepath.Join(dir, "migrate") + ", " + filepath.Join(dir, "api")
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q does not contain %q", stderr.String(), want)
	}
}

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		timeout   string
		wantGrace time.Duration
		wantAPI   string
		wantErr   string
	}{
		{name: "defaults", wantGrace: 11 * time.Second, wantAPI: "bin/api"},
		{name: "bin dir", args: []string{"-bin", "/opt/keel"}, wantGrace: 11 * time.Second, wantAPI: "/opt/keel/api"},
		{name: "one path", args: []string{"-api", "x/api2"}, wantGrace: 11 * time.Second, wantAPI: "x/api2"},
		{name: "timeout", timeout: "3s", wantGrace: 4 * time.Second, wantAPI: "bin/api"},
		{name: "bad timeout", timeout: "soon", wantErr: "SHUTDOWN_TIMEOUT"},
		{name: "negative timeout", timeout: "-1s", wantErr: "SHUTDOWN_TIMEOUT"},
		{name: "argument", args: []string{"api"}, wantErr: `unexpected argument "api"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) {
				if k == "SHUTDOWN_TIMEOUT" && tt.timeout != "" {
					return tt.timeout, true
				}
				return "", false
			}
			opts, err := parseOptions(tt.args, lookup, &bytes.Buffer{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if opts.grace != tt.wantGrace {
				t.Errorf("grace = %s, want %s", opts.grace, tt.wantGrace)
			}
			if got := opts.services[0].path; got != tt.wantAPI {
				t.Errorf("api path = %q, want %q", got, tt.wantAPI)
			}
			if got := opts.migrate.args; len(got) != 1 || got[0] != "up" {
				t.Errorf("migrate args = %q, want [up]", got)
			}
		})
	}
}

func TestPrefixWriter(t *testing.T) {
	var out bytes.Buffer
	p := &prefixWriter{mu: &sync.Mutex{}, w: &out, prefix: []byte("api | ")}
	for _, s := range []string{"one\ntw", "o\n", "", "three\nfour\nfi", "ve"} {
		if n, err := p.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	p.Flush()
	p.Flush()
	want := "api | one\napi | two\napi | three\napi | four\napi | five\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}

	out.Reset()
	_, _ = p.Write(bytes.Repeat([]byte("x"), maxLine+10))
	if got := strings.Count(out.String(), "api | "); got != 1 {
		t.Errorf("an overlong partial line was written %d times, want once", got)
	}
}

//go:build pprof

package main

import (
	"log"
	"net/http"
	_ "net/http/pprof" // the profiling endpoints, in builds tagged pprof only
	"os"
)

// With `go build -tags pprof`, PPROF_ADDR (e.g. 127.0.0.1:6060) serves net/http/pprof, for
// profiling the api under load. Release builds carry no profiling endpoint.
func init() {
	if addr := os.Getenv("PPROF_ADDR"); addr != "" {
		go func() { log.Println(http.ListenAndServe(addr, nil)) }()
	}
}

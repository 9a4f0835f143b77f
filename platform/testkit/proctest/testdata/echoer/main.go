// Command echoer is proctest's stand-in for a real service: it prints its arguments and
// environment, echoes stdin, serves HTTP and shuts down on SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("http", "", "serve HTTP on this address")
	exit := flag.Int("exit", -1, "exit at once with this code")
	ignoreTerm := flag.Bool("ignore-term", false, "ignore SIGTERM")
	delay := flag.Duration("delay", 0, "wait this long before serving")
	race := flag.Bool("race", false, "commit a data race, then exit 0")
	flag.Parse()
	if *race {
		dataRace()
		return
	}
	fmt.Printf("args=%v env=%s\n", flag.Args(), os.Getenv("ECHOER_VALUE"))
	fmt.Fprintf(os.Stderr, "home=%q unexpected=%q\n", os.Getenv("HOME"), os.Getenv("ECHOER_UNSET"))
	if *exit >= 0 {
		os.Exit(*exit)
	}
	in, _ := io.ReadAll(os.Stdin)
	fmt.Printf("stdin=%s\n", in)
	if *ignoreTerm {
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready, ignoring SIGTERM")
		select {}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	time.Sleep(*delay)
	srv := &http.Server{Addr: *addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})}
	if *addr != "" {
		go func() { _ = srv.ListenAndServe() }()
	}
	fmt.Println("ready")
	<-ctx.Done()
	fmt.Println("shutting down")
	_ = srv.Shutdown(context.Background())
	os.Exit(3)
}

// dataRace writes one variable from two goroutines without synchronisation.
func dataRace() {
	n := 0
	done := make(chan struct{})
	go func() { n++; close(done) }()
	n++
	<-done
	fmt.Println(n)
}

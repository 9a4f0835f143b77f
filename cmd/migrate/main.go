// Command migrate applies Keel's embedded schema migrations (River's included):
//
//	migrate up             apply every pending migration
//	migrate down           roll back the last applied group
//	migrate status         list migrations and whether each is applied
//	migrate create NAME    write an empty up/down SQL pair into ./migrations
package main

import (
	"fmt"
	"os"
)

const usage = `usage: migrate up | down | status | create NAME`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	os.Exit(run(os.Args[1], os.Args[2:]))
}

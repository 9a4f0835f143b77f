// Command admin performs operator tasks:
//
//	admin create-user --email E --name N --role admin|user   (password on standard input)
//
// It is how the first administrator comes to exist.
package main

import (
	"fmt"
	"os"
)

const usage = "usage: admin create-user --email E --name N --role admin|user  (password on standard input)"

func main() {
	if len(os.Args) < 2 || os.Args[1] != "create-user" {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	os.Exit(createUser(os.Args[2:], os.Stdin))
}

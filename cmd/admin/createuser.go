package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/invopop/validation"
	"go.uber.org/fx"

	"github.com/keelhq/keel/application/identity"
	"github.com/keelhq/keel/cmd/internal/boot"
	"github.com/keelhq/keel/platform/config"
)

type deps struct {
	fx.In
	Registration *identity.Registration
}

// createUser parses the flags, reads the password (first line of stdin) and creates the
// account. Invalid input is reported field by field with exit status 2.
func createUser(args []string, stdin io.Reader) int {
	fs := flag.NewFlagSet("create-user", flag.ContinueOnError)
	email := fs.String("email", "", "e-mail address")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "user", "admin or user")
	locale := fs.String("locale", "en", "en, de or es")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, usage)
		return 2
	}
	password, err := readPassword(stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "admin create-user: %v\n", err)
		return 2
	}
	var invalid bool
	code := boot.Command(config.ProcessAdmin, func(ctx context.Context, d deps) error {
		u, err := d.Registration.CreateAccount(ctx, identity.NewAccount{
			Email: *email, Name: *name, Role: *role, Locale: *locale, Password: password,
		})
		var verrs validation.Errors
		if errors.As(err, &verrs) {
			invalid = true
			return fmt.Errorf("invalid input: %v", verrs)
		}
		if err != nil {
			return err
		}
		fmt.Printf("created %s %s (%s)\n", u.Role(), u.ID(), u.Email())
		return nil
	}, boot.Platform, boot.Mail, boot.Core, boot.Contexts)
	if invalid {
		return 2
	}
	return code
}

// readPassword takes the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}

package mail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/keelhq/keel/ports"
)

// Dir is the development mailer: each message becomes an .eml file in a directory, which
// any mail client opens; the log names the file, never its content.
type Dir struct {
	dir  string
	from string
	log  *slog.Logger
}

// NewDir returns a mailer writing into dir (created when missing).
func NewDir(dir, from string, log *slog.Logger) *Dir {
	return &Dir{dir: dir, from: from, log: log}
}

// Send writes msg to a new file.
func (d *Dir) Send(ctx context.Context, msg ports.EmailMessage) error {
	now := time.Now().UTC()
	body, err := compose(d.from, msg, now)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.dir, 0o750); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	name := filepath.Join(d.dir, now.Format("20060102T150405.000000000")+"-"+randomID()[:8]+".eml")
	if err := os.WriteFile(name, body, 0o640); err != nil {
		return fmt.Errorf("write mail: %w", err)
	}
	d.log.InfoContext(ctx, "e-mail written", slog.String("file", name))
	return nil
}

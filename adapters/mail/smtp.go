package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"time"

	"github.com/keelhq/keel/ports"
)

// TLS modes of an SMTP connection.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// SMTPOptions configure an SMTP relay.
type SMTPOptions struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS is "none", "starttls" (required when set) or "tls" (implicit, port 465).
	TLS  string
	From string
	// TLSConfig overrides the default TLS settings (tests use it to trust a test CA).
	TLSConfig *tls.Config
}

// SMTP sends each message over a fresh connection to a relay; the job queue retries
// failures with backoff, so no connection is kept between messages.
type SMTP struct {
	opts SMTPOptions
	now  func() time.Time
}

// NewSMTP returns an SMTP mailer.
func NewSMTP(o SMTPOptions) *SMTP { return &SMTP{opts: o, now: time.Now} }

// Send delivers msg within ctx's deadline.
func (s *SMTP) Send(ctx context.Context, msg ports.EmailMessage) error {
	body, err := compose(s.opts.From, msg, s.now())
	if err != nil {
		return err
	}
	c, conn, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer c.Close()
	if err := s.deliver(c, msg.To, body); err != nil {
		return fmt.Errorf("smtp %s: %w", s.addr(), err)
	}
	return nil
}

func (s *SMTP) addr() string { return net.JoinHostPort(s.opts.Host, strconv.Itoa(s.opts.Port)) }

func (s *SMTP) tlsConfig() *tls.Config {
	if s.opts.TLSConfig != nil {
		return s.opts.TLSConfig
	}
	return &tls.Config{ServerName: s.opts.Host, MinVersion: tls.VersionTLS12}
}

func (s *SMTP) dial(ctx context.Context) (*smtp.Client, net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr())
	if err != nil {
		return nil, nil, fmt.Errorf("smtp dial %s: %w", s.addr(), err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	} else {
		_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	}
	if s.opts.TLS == TLSImplicit {
		conn = tls.Client(conn, s.tlsConfig())
	}
	c, err := smtp.NewClient(conn, s.opts.Host)
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("smtp greeting %s: %w", s.addr(), err)
	}
	return c, conn, nil
}

func (s *SMTP) deliver(c *smtp.Client, to string, body []byte) error {
	if s.opts.TLS == TLSStartTLS {
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if s.opts.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.opts.Username, s.opts.Password, s.opts.Host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	from, _ := mail.ParseAddress(s.opts.From)
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	rcpt, _ := mail.ParseAddress(to)
	if err := c.Rcpt(rcpt.Address); err != nil {
		return fmt.Errorf("rcpt to: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("data write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("data close: %w", err)
	}
	return c.Quit()
}

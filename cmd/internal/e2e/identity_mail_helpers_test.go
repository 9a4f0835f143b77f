package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// idMail is one e-mail the worker sent, decoded.
type idMail struct {
	To, Subject string
	Text, HTML  string
	// Link is the first link of the text part, Token its `token` query parameter.
	Link, Token string
	Raw         []byte
}

var idLinkRe = regexp.MustCompile(`https?://[^\s<>"]+`)

// idParseMail decodes an RFC 5322 message with text and HTML alternatives.
func idParseMail(raw []byte) (idMail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return idMail{}, err
	}
	m := idMail{To: msg.Header.Get("To"), Raw: raw}
	if m.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return idMail{}, fmt.Errorf("subject: %w", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return idMail{}, fmt.Errorf("content type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return idMail{}, err
		}
		body, err := io.ReadAll(part) // quoted-printable is decoded by the reader
		if err != nil {
			return idMail{}, err
		}
		switch ct := part.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "text/plain"):
			m.Text = string(body)
		case strings.HasPrefix(ct, "text/html"):
			m.HTML = string(body)
		}
	}
	if m.Link = idLinkRe.FindString(m.Text); m.Link != "" {
		if u, err := url.Parse(m.Link); err == nil {
			m.Token = u.Query().Get("token")
		}
	}
	return m, nil
}

// idMailbox reads the .eml files the "dir" mail driver writes.
type idMailbox struct {
	dir  string
	mu   sync.Mutex
	seen map[string]idMail
}

func idNewMailbox(s *stack) *idMailbox {
	return &idMailbox{dir: idEnv(s, "MAIL_DIR"), seen: map[string]idMail{}}
}

// all returns every message written so far.
func (b *idMailbox) all(t *testing.T) []idMail {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	names, _ := filepath.Glob(filepath.Join(b.dir, "*.eml"))
	var out []idMail
	for _, name := range names {
		m, ok := b.seen[name]
		if !ok {
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if m, err = idParseMail(raw); err != nil {
				continue // still being written
			}
			b.seen[name] = m
		}
		out = append(out, m)
	}
	return out
}

// wait waits until at least n messages to `to` whose subject is subject exist, and
// returns them all.
func (b *idMailbox) wait(t *testing.T, to, subject string, n int) []idMail {
	t.Helper()
	return idWaitMail(t, func() []idMail { return b.all(t) }, to, subject, n)
}

func idWaitMail(t *testing.T, all func() []idMail, to, subject string, n int) []idMail {
	t.Helper()
	var got []idMail
	_, ok := idPoll(20*time.Second, 50*time.Millisecond, func() bool {
		got = idFilterMail(all(), to, subject)
		return len(got) >= n
	})
	if !ok {
		t.Fatalf("%d e-mail(s) %q to %s after 20s, want %d", len(got), subject, to, n)
	}
	return got
}

// idWaitMailJobs waits until the worker has finished every e-mail job for the address
// or the account (a reset for the address, a verification for the account id, or a plain
// e-mail to the address): River's state completed, discarded or cancelled, after which
// whatever those jobs were to send has been sent. A "no (more) e-mail arrives" check waits
// for this instead of a fixed pause that a slow worker outlasts. At least one such job must
// exist: the request being checked enqueued it, or an earlier one whose e-mail arrived did.
// userID may be "" (an address without an account).
func idWaitMailJobs(t *testing.T, db *pgxpool.Pool, email, userID string) {
	t.Helper()
	const q = `SELECT count(*), count(*) FILTER (WHERE state NOT IN ('completed', 'discarded', 'cancelled')),
		coalesce(string_agg(kind || ' ' || state, ', ' ORDER BY id), '')
		FROM river_job
		WHERE (kind = 'auth.send_password_reset' AND lower(args->>'Email') = lower($1))
		   OR (kind = 'email.send' AND lower(args->>'to') = lower($1))
		   OR (kind = 'auth.send_email_verification' AND $2 <> '' AND args->>'UserID' = $2)`
	var total, pending int
	var states string
	_, ok := idPoll(30*time.Second, 50*time.Millisecond, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.QueryRow(ctx, q, email, userID).Scan(&total, &pending, &states); err != nil {
			t.Fatalf("river_job: %v", err)
		}
		return total > 0 && pending == 0
	})
	if !ok {
		t.Fatalf("e-mail jobs for %s (%s) not finished after 30s: %d jobs [%s]", email, userID, total, states)
	}
}

func idFilterMail(all []idMail, to, subject string) []idMail {
	var out []idMail
	for _, m := range all {
		if strings.EqualFold(m.To, to) && (subject == "" || m.Subject == subject) {
			out = append(out, m)
		}
	}
	return out
}

// idSMTPServer is a real SMTP server (github.com/emersion/go-smtp) on 127.0.0.1 that
// keeps every message it accepts.
type idSMTPServer struct {
	Port int
	mu   sync.Mutex
	msgs []idMail
	errs []error
}

// idStartSMTP starts the server, closed when the test ends.
func idStartSMTP(t *testing.T) *idSMTPServer {
	t.Helper()
	srv := &idSMTPServer{}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &idSMTPSession{srv: srv}, nil
	}))
	s.Domain = "mx.test.invalid"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.MaxMessageBytes = 1 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Port = ln.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = s.Close()
		<-done
		srv.mu.Lock()
		defer srv.mu.Unlock()
		for _, err := range srv.errs {
			t.Errorf("smtp server: %v", err)
		}
	})
	return srv
}

// messages returns every message received so far.
func (s *idSMTPServer) messages() []idMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]idMail(nil), s.msgs...)
}

// idSMTPSession receives one SMTP transaction at a time.
type idSMTPSession struct {
	srv  *idSMTPServer
	from string
	rcpt []string
}

func (s *idSMTPSession) Reset()        { s.from, s.rcpt = "", nil }
func (s *idSMTPSession) Logout() error { return nil }

func (s *idSMTPSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *idSMTPSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpt = append(s.rcpt, to)
	return nil
}

func (s *idSMTPSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := idParseMail(raw)
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if err != nil {
		s.srv.errs = append(s.srv.errs, fmt.Errorf("undecodable message: %w", err))
		return err
	}
	if len(s.rcpt) != 1 || !strings.EqualFold(s.rcpt[0], m.To) {
		s.srv.errs = append(s.srv.errs, fmt.Errorf("envelope recipients %v, header To %q", s.rcpt, m.To))
	}
	s.srv.msgs = append(s.srv.msgs, m)
	return nil
}

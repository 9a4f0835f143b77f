package mail_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/adapters/mail"
	"github.com/keelhq/keel/ports"
)

const testFrom = "Keel <no-reply@keel.test>"

// sample is a message with everything that can go wrong in transit: non-ASCII subject and
// body, a line that is a lone dot, long lines, and markup in the HTML part.
var sample = ports.EmailMessage{
	To:      "Zoë Example <zoe@example.com>",
	Subject: "Passwort zurücksetzen — Schritt 1",
	Text:    "Hallo Zoë,\n\n.\n\nöffnen Sie https://app.example.com/reset?token=abc&x=1 " + strings.Repeat("lang ", 40) + "\n\nEnde.",
	HTML:    `<!doctype html><html><body><p>Hallo Zoë</p><p><a href="https://app.example.com/reset?token=abc&amp;x=1">Link</a></p></body></html>`,
}

// parsed is a delivered message taken apart.
type parsed struct {
	Header netmail.Header
	Parts  map[string]string // media type -> decoded body (CRLF normalised to LF)
}

// parseMessage checks data is a well-formed multipart/alternative message.
func parseMessage(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("message does not parse: %v\n%s", err, data)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" || params["boundary"] == "" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	out := parsed{Header: m.Header, Parts: map[string]string{}}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var order []string
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		pt, pp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil || pp["charset"] != "utf-8" {
			t.Fatalf("part Content-Type %q: %v", p.Header.Get("Content-Type"), err)
		}
		body, err := io.ReadAll(p) // multipart decodes quoted-printable itself
		if err != nil {
			t.Fatal(err)
		}
		out.Parts[pt] = strings.ReplaceAll(string(body), "\r\n", "\n")
		order = append(order, pt)
	}
	// RFC 2046: the last alternative is the preferred one; HTML after text.
	if len(order) != 2 || order[0] != "text/plain" || order[1] != "text/html" {
		t.Fatalf("parts %v, want text/plain then text/html", order)
	}
	return out
}

func checkSample(t *testing.T, p parsed) {
	t.Helper()
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(p.Header.Get("Subject"))
	if err != nil || subject != sample.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, sample.Subject)
	}
	from, err := p.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "no-reply@keel.test" || from[0].Name != "Keel" {
		t.Errorf("From = %v (%v)", from, err)
	}
	to, err := p.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "zoe@example.com" || to[0].Name != "Zoë Example" {
		t.Errorf("To = %q -> %v (%v)", p.Header.Get("To"), to, err)
	}
	if d, err := p.Header.Date(); err != nil || time.Since(d) > time.Hour {
		t.Errorf("Date = %q (%v)", p.Header.Get("Date"), err)
	}
	if id := p.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@keel.test>") {
		t.Errorf("Message-ID = %q", id)
	}
	if p.Header.Get("MIME-Version") != "1.0" {
		t.Errorf("MIME-Version = %q", p.Header.Get("MIME-Version"))
	}
	if p.Parts["text/plain"] != sample.Text {
		t.Errorf("text part:\n%q\nwant\n%q", p.Parts["text/plain"], sample.Text)
	}
	if p.Parts["text/html"] != sample.HTML {
		t.Errorf("html part:\n%q\nwant\n%q", p.Parts["text/html"], sample.HTML)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestSMTPDelivers(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := selfSigned(t)
	tests := []struct {
		name       string
		server     smtpOptions
		tlsMode    string
		clientTLS  *tls.Config
		user, pass string
		wantTLS    bool
	}{
		{name: "plain", server: smtpOptions{}, tlsMode: mail.TLSNone},
		{name: "plain with auth", server: smtpOptions{user: "keel", pass: "pw-1"}, tlsMode: mail.TLSNone, user: "keel", pass: "pw-1"},
		{name: "starttls", server: smtpOptions{startTLS: serverTLS}, tlsMode: mail.TLSStartTLS, clientTLS: clientTLS, wantTLS: true},
		{
			name: "starttls with auth", server: smtpOptions{startTLS: serverTLS, user: "keel", pass: "pw-2"},
			tlsMode: mail.TLSStartTLS, clientTLS: clientTLS, user: "keel", pass: "pw-2", wantTLS: true,
		},
		{
			name: "implicit tls with auth", server: smtpOptions{implicitTLS: serverTLS, user: "keel", pass: "pw-3"},
			tlsMode: mail.TLSImplicit, clientTLS: clientTLS, user: "keel", pass: "pw-3", wantTLS: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startSMTP(t, tt.server)
			m := mail.NewSMTP(mail.SMTPOptions{
				Host: srv.Host, Port: srv.Port, Username: tt.user, Password: tt.pass,
				TLS: tt.tlsMode, From: testFrom, TLSConfig: tt.clientTLS,
			})
			if err := m.Send(ctx(t), sample); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("%d messages delivered", len(msgs))
			}
			got := msgs[0]
			if got.From != "no-reply@keel.test" || len(got.To) != 1 || got.To[0] != "zoe@example.com" {
				t.Errorf("envelope from %q to %v", got.From, got.To)
			}
			if got.TLS != tt.wantTLS {
				t.Errorf("delivered over TLS = %v, want %v", got.TLS, tt.wantTLS)
			}
			if got.AuthUser != tt.user {
				t.Errorf("authenticated as %q, want %q", got.AuthUser, tt.user)
			}
			checkSample(t, parseMessage(t, got.Data))
		})
	}
}

func TestSMTPFailures(t *testing.T) {
	t.Parallel()
	serverTLS, clientTLS := selfSigned(t)
	_, strangerTLS := selfSigned(t) // trusts another certificate
	tests := []struct {
		name   string
		server smtpOptions
		opts   mail.SMTPOptions
	}{
		{"starttls required, server lacks it", smtpOptions{}, mail.SMTPOptions{TLS: mail.TLSStartTLS, TLSConfig: clientTLS}},
		{"untrusted certificate", smtpOptions{startTLS: serverTLS}, mail.SMTPOptions{TLS: mail.TLSStartTLS, TLSConfig: strangerTLS}},
		{"wrong password", smtpOptions{startTLS: serverTLS, user: "keel", pass: "right"}, mail.SMTPOptions{TLS: mail.TLSStartTLS, TLSConfig: clientTLS, Username: "keel", Password: "wrong"}},
		{"auth required, none given", smtpOptions{user: "keel", pass: "pw"}, mail.SMTPOptions{TLS: mail.TLSNone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startSMTP(t, tt.server)
			o := tt.opts
			o.Host, o.Port, o.From = srv.Host, srv.Port, testFrom
			err := mail.NewSMTP(o).Send(ctx(t), sample)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if len(srv.Messages()) != 0 {
				t.Fatal("a message was delivered")
			}
			if o.Password != "" && strings.Contains(err.Error(), o.Password) {
				t.Fatalf("error reveals the password: %v", err)
			}
		})
	}
}

func TestSMTPUnreachable(t *testing.T) {
	t.Parallel()
	// A port nothing listens on: take one and release it.
	m := mail.NewSMTP(mail.SMTPOptions{Host: "127.0.0.1", Port: freePort(t), TLS: mail.TLSNone, From: testFrom})
	if err := m.Send(ctx(t), sample); err == nil || !strings.Contains(err.Error(), "smtp dial") {
		t.Fatalf("Send to a closed port: %v", err)
	}
}

func TestSMTPRespectsDeadline(t *testing.T) {
	t.Parallel()
	// A server that accepts and never greets.
	ln := listenSilent(t)
	m := mail.NewSMTP(mail.SMTPOptions{Host: "127.0.0.1", Port: ln, TLS: mail.TLSNone, From: testFrom})
	c, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := m.Send(c, sample); err == nil {
		t.Fatal("Send succeeded against a silent server")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Send took %s with a 200ms deadline", took)
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, smtpOptions{})
	m := mail.NewSMTP(mail.SMTPOptions{Host: srv.Host, Port: srv.Port, TLS: mail.TLSNone, From: testFrom})
	dir := t.TempDir()
	d := mail.NewDir(dir, testFrom, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tests := []struct {
		name string
		msg  ports.EmailMessage
	}{
		{"CRLF in subject", ports.EmailMessage{To: "a@example.com", Subject: "Hi\r\nBcc: victim@example.com", Text: "x"}},
		{"LF in subject", ports.EmailMessage{To: "a@example.com", Subject: "Hi\nBcc: victim@example.com", Text: "x"}},
		{"CR in subject", ports.EmailMessage{To: "a@example.com", Subject: "Hi\rBcc: victim@example.com", Text: "x"}},
		{"CRLF in to", ports.EmailMessage{To: "a@example.com\r\nBcc: victim@example.com", Subject: "Hi", Text: "x"}},
		{"LF in to", ports.EmailMessage{To: "a@example.com\nBcc: victim@example.com", Subject: "Hi", Text: "x"}},
		{"not an address", ports.EmailMessage{To: "nobody", Subject: "Hi", Text: "x"}},
		{"two recipients", ports.EmailMessage{To: "a@example.com, b@example.com", Subject: "Hi", Text: "x"}},
	}
	for _, tt := range tests {
		if err := m.Send(ctx(t), tt.msg); err == nil {
			t.Errorf("%s: SMTP accepted it", tt.name)
		}
		if err := d.Send(ctx(t), tt.msg); err == nil {
			t.Errorf("%s: Dir accepted it", tt.name)
		}
	}
	if n := srv.Sessions(); n != 0 {
		t.Errorf("%d SMTP sessions opened for refused messages", n)
	}
	if files := emlFiles(t, dir); len(files) != 0 {
		t.Errorf("files written for refused messages: %v", files)
	}
	// A sender with a line break is refused too.
	bad := mail.NewSMTP(mail.SMTPOptions{Host: srv.Host, Port: srv.Port, TLS: mail.TLSNone, From: "Keel <a@b.c>\r\nBcc: x@y.z"})
	if err := bad.Send(ctx(t), sample); err == nil {
		t.Error("From with CRLF accepted")
	}
}

func TestDirWritesEML(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "not", "yet", "there")
	var logs bytes.Buffer
	d := mail.NewDir(dir, testFrom, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err := d.Send(ctx(t), sample); err != nil {
		t.Fatal(err)
	}
	second := sample
	second.Subject = "second"
	if err := d.Send(ctx(t), second); err != nil {
		t.Fatal(err)
	}
	files := emlFiles(t, dir)
	if len(files) != 2 {
		t.Fatalf("files %v, want 2 .eml", files)
	}
	data, err := os.ReadFile(filepath.Join(dir, files[0]))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("\r\n")) {
		t.Error("message lines are not CRLF-terminated")
	}
	checkSample(t, parseMessage(t, data))
	if !strings.Contains(logs.String(), files[0]) {
		t.Errorf("log does not name the file: %s", logs.String())
	}
	if strings.Contains(logs.String(), "token=abc") || strings.Contains(logs.String(), "zoe@example.com") {
		t.Errorf("log reveals content: %s", logs.String())
	}
}

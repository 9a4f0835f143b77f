// Package mail delivers e-mail: over SMTP in production, or into .eml files a developer
// can open; and it renders Keel's localized templates from the message catalogue.
package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/keelhq/keel/ports"
)

// errHeaderInjection guards against line breaks smuggled into a header value.
var errHeaderInjection = errors.New("mail: header value contains a line break")

// compose renders msg as an RFC 5322 message with text and HTML alternatives.
func compose(from string, msg ports.EmailMessage, now time.Time) ([]byte, error) {
	for _, v := range []string{from, msg.To, msg.Subject} {
		if strings.ContainsAny(v, "\r\n") {
			return nil, errHeaderInjection
		}
	}
	if _, err := mail.ParseAddress(msg.To); err != nil {
		return nil, fmt.Errorf("mail: invalid recipient: %w", err)
	}
	fromAddr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: invalid sender: %w", err)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	header := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	header("From", fromAddr.String())
	header("To", msg.To)
	header("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+randomID()+"@"+domainOf(fromAddr.Address)+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "multipart/alternative; boundary="+w.Boundary())
	buf.WriteString("\r\n")
	for _, part := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", msg.Text},
		{"text/html; charset=utf-8", msg.HTML},
	} {
		if part.body == "" {
			continue
		}
		pw, err := w.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.ctype},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func domainOf(addr string) string {
	if _, d, ok := strings.Cut(addr, "@"); ok && d != "" {
		return d
	}
	return "localhost"
}

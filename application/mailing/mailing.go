// Package mailing sends templated e-mail from background jobs, in the recipient's locale.
// Jobs carry only what is needed to render the message; secrets such as one-time tokens
// are never job arguments (jobs are stored): the jobs that need one mint it when they run.
package mailing

import (
	"context"
	"errors"
	"fmt"

	"github.com/keelhq/keel/ports"
)

// Renderer turns a named template into a message in the given locale.
type Renderer interface {
	Render(template, locale string, data map[string]string) (subject, text, html string, err error)
}

// ErrUnknownTemplate is returned by a Renderer for a template it does not have.
var ErrUnknownTemplate = errors.New("unknown e-mail template")

// SendEmail is the job that renders one templated e-mail and sends it.
type SendEmail struct {
	To       string            `json:"to"`
	Template string            `json:"template"`
	Locale   string            `json:"locale"`
	Data     map[string]string `json:"data,omitempty"`
}

// Kind names the job.
func (SendEmail) Kind() string { return "email.send" }

// Sender renders and delivers e-mail.
type Sender struct {
	Renderer Renderer
	Mailer   ports.Mailer
}

// Send renders template for locale and delivers it to to.
func (s *Sender) Send(ctx context.Context, to, template, locale string, data map[string]string) error {
	subject, text, html, err := s.Renderer.Render(template, locale, data)
	if err != nil {
		return fmt.Errorf("render %s: %w", template, err)
	}
	msg := ports.EmailMessage{To: to, Subject: subject, Text: text, HTML: html}
	if err := s.Mailer.Send(ctx, msg); err != nil {
		return fmt.Errorf("send %s: %w", template, err)
	}
	return nil
}

// Work runs one SendEmail job.
func (s *Sender) Work(ctx context.Context, job SendEmail) error {
	return s.Send(ctx, job.To, job.Template, job.Locale, job.Data)
}

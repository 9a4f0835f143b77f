package mailing_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/keelhq/keel/application/mailing"
	"github.com/keelhq/keel/ports"
)

type fakeRenderer struct {
	calls []string
	err   error
}

func (f *fakeRenderer) Render(template, locale string, data map[string]string) (string, string, string, error) {
	f.calls = append(f.calls, template+"/"+locale+"/"+data["Link"])
	if f.err != nil {
		return "", "", "", f.err
	}
	return "S:" + locale, "T:" + data["Link"], "H:" + data["Link"], nil
}

type fakeMailer struct {
	sent []ports.EmailMessage
	err  error
}

func (f *fakeMailer) Send(_ context.Context, m ports.EmailMessage) error {
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, m)
	return nil
}

func TestSenderWork(t *testing.T) {
	t.Parallel()
	r, m := &fakeRenderer{}, &fakeMailer{}
	s := &mailing.Sender{Renderer: r, Mailer: m}
	job := mailing.SendEmail{To: "a@example.com", Template: "password_reset", Locale: "de", Data: map[string]string{"Link": "L"}}
	if err := s.Work(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	want := ports.EmailMessage{To: "a@example.com", Subject: "S:de", Text: "T:L", HTML: "H:L"}
	if len(m.sent) != 1 || m.sent[0] != want {
		t.Fatalf("sent %+v, want %+v", m.sent, want)
	}
	if len(r.calls) != 1 || r.calls[0] != "password_reset/de/L" {
		t.Fatalf("render calls %v", r.calls)
	}
}

func TestSenderErrors(t *testing.T) {
	t.Parallel()
	r := &fakeRenderer{err: mailing.ErrUnknownTemplate}
	m := &fakeMailer{}
	err := (&mailing.Sender{Renderer: r, Mailer: m}).Send(context.Background(), "a@example.com", "nope", "en", nil)
	if !errors.Is(err, mailing.ErrUnknownTemplate) || len(m.sent) != 0 {
		t.Fatalf("unknown template: %v, sent %d", err, len(m.sent))
	}
	boom := errors.New("relay down")
	err = (&mailing.Sender{Renderer: &fakeRenderer{}, Mailer: &fakeMailer{err: boom}}).Send(context.Background(), "a@example.com", "x", "en", nil)
	if !errors.Is(err, boom) {
		t.Fatalf("mailer error not wrapped: %v", err)
	}
}

func TestSendEmailJob(t *testing.T) {
	t.Parallel()
	job := mailing.SendEmail{To: "a@example.com", Template: "t", Locale: "es"}
	if job.Kind() != "email.send" {
		t.Fatalf("Kind = %q", job.Kind())
	}
	b, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"to":"a@example.com","template":"t","locale":"es"}` {
		t.Fatalf("JSON %s", b)
	}
	var back mailing.SendEmail
	if err := json.Unmarshal(b, &back); err != nil || back.To != job.To || back.Locale != "es" {
		t.Fatalf("round trip %+v %v", back, err)
	}
}

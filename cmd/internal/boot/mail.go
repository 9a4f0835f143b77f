package boot

import (
	"log/slog"

	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/jobs"
	"github.com/keelhq/keel/adapters/mail"
	"github.com/keelhq/keel/application/mailing"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/ports"
)

// Mail provides the configured mailer, the templated e-mail sender and its job.
var Mail = fx.Module("mail",
	fx.Provide(
		newMailer,
		JobHandler(func(s *mailing.Sender) jobs.Registration { return jobs.Handle(s.Work) }),
		func(b *i18n.Bundle, m ports.Mailer) *mailing.Sender {
			return &mailing.Sender{Renderer: mail.NewTemplates(b), Mailer: m}
		},
	),
)

func newMailer(cfg *config.Config, log *slog.Logger) ports.Mailer {
	m := cfg.Mail
	if m.Driver == "smtp" {
		return mail.NewSMTP(mail.SMTPOptions{
			Host: m.SMTPHost, Port: m.SMTPPort, Username: m.SMTPUsername, Password: m.SMTPPassword,
			TLS: m.SMTPTLS, From: m.From,
		})
	}
	return mail.NewDir(m.Dir, m.From, log)
}

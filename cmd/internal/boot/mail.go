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

// Mail provides the configured mailer and the templated e-mail sender, and registers the
// email.send job kind with the worker.
var Mail = fx.Module("mail",
	fx.Provide(
		newMailer,
		func(b *i18n.Bundle, m ports.Mailer) *mailing.Sender {
			return &mailing.Sender{Renderer: mail.NewTemplates(b), Mailer: m}
		},
		JobHandler(func(s *mailing.Sender) jobs.Registration { return jobs.Handle(s.Work) }),
	),
)

// JobHandler annotates a constructor of a job registration for the worker's group.
func JobHandler(ctor any) any {
	return fx.Annotate(ctor, fx.ResultTags(`group:"jobs"`))
}

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

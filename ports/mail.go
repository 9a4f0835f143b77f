package ports

import "context"

// EmailMessage is one rendered e-mail.
type EmailMessage struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Mailer delivers rendered e-mail messages.
type Mailer interface {
	Send(ctx context.Context, msg EmailMessage) error
}

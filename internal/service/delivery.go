package service

import (
	"log/slog"

	"github.com/homekeep/homekeep/internal/app/delivery"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/mail"
	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/unsubscribe"
)

// newDelivery builds what sends notifications through db: the mailer of SMTP_URL, the push channels (none
// yet: push is off until one is configured), and the unsubscribe links' signer, whose key db's server_secrets
// holds. The API uses it for tests, the workers for every notification.
func newDelivery(cfg config.Config, log *slog.Logger, db delivery.DB) (*delivery.Deliverer, *unsubscribe.Signer, error) {
	mailer, err := mail.New(mail.Options{SMTPURL: cfg.SMTPURL, From: cfg.MailFrom, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	links := unsubscribe.New(delivery.SecretStore(db))
	var sender push.Sender // the channels of issue 14 plug in here
	return delivery.New(delivery.Deps{DB: db, Mailer: mailer, Push: sender, Links: links, PublicURL: cfg.PublicURL,
		Logger: log}), links, nil
}

package service

import (
	"context"
	"log/slog"

	"github.com/homekeep/homekeep/internal/app/delivery"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/mail"
	"github.com/homekeep/homekeep/internal/metrics"
	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/unsubscribe"
)

// deliverySetup is what sends notifications, as one process builds it.
type deliverySetup struct {
	deliverer *delivery.Deliverer
	links     *unsubscribe.Signer
	// vapidPublic is the key web clients subscribe with; "" while Web Push is off.
	vapidPublic string
}

// newDelivery builds what sends notifications through db: the mailer of SMTP_URL, the push channels the
// configuration turns on (channels, when not nil, replaces them: tests point channels at their own
// servers), and the unsubscribe links' signer, whose key db's server_secrets holds. The API uses it for
// tests, the workers for every notification.
func newDelivery(ctx context.Context, cfg config.Config, log *slog.Logger, mx *metrics.Metrics, db delivery.DB, channels []push.Channel) (*deliverySetup, error) {
	mailer, err := mail.New(mail.Options{SMTPURL: cfg.SMTPURL, From: cfg.MailFrom, Logger: log})
	if err != nil {
		return nil, err
	}
	var vapidPublic string
	if channels == nil {
		if channels, vapidPublic, err = pushChannels(ctx, cfg, log, db); err != nil {
			return nil, err
		}
	}
	var sender push.Sender
	if mux := push.NewMux(log, mx.CountSends(channels)...); mux != nil {
		sender = mux
	}
	links := unsubscribe.New(delivery.SecretStore(db))
	return &deliverySetup{
		deliverer: delivery.New(delivery.Deps{DB: db, Mailer: mailer, Push: sender, Links: links, PublicURL: cfg.PublicURL,
			Logger: log}),
		links: links, vapidPublic: vapidPublic,
	}, nil
}

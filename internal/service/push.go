package service

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/homekeep/homekeep/internal/app/delivery"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/apns"
	"github.com/homekeep/homekeep/internal/push/endpoint"
	"github.com/homekeep/homekeep/internal/push/fcm"
	"github.com/homekeep/homekeep/internal/push/gorush"
	"github.com/homekeep/homekeep/internal/push/unifiedpush"
	"github.com/homekeep/homekeep/internal/push/webpush"
)

// endpointTimeout bounds one POST to a user's Web Push or UnifiedPush endpoint.
const endpointTimeout = 15 * time.Second

// pushChannels builds the push channels the configuration turns on, in routing order: a platform's pushes
// go to the first channel that handles it, so APNs and FCM direct come before Gorush, which serves both.
// It also returns the VAPID public key web clients subscribe with ("" while Web Push is off).
func pushChannels(ctx context.Context, cfg config.Config, log *slog.Logger, db delivery.DB) ([]push.Channel, string, error) {
	p := cfg.Push
	var out []push.Channel
	add := func(name string, s push.Sender) { out = append(out, push.Channel{Name: name, Sender: s}) }
	if len(p.APNsKey) > 0 {
		s, err := apns.New(apns.Options{Key: p.APNsKey, KeyID: p.APNsKeyID, TeamID: p.APNsTeamID, Topic: p.APNsTopic,
			Production: p.APNsProduction, Logger: log})
		if err != nil {
			return nil, "", fmt.Errorf("error setting up APNs: %w", err)
		}
		add("apns", s)
	}
	if len(p.FCMCredentials) > 0 {
		s, err := fcm.New(fcm.Options{CredentialsJSON: p.FCMCredentials, ProjectID: p.FCMProjectID, Logger: log})
		if err != nil {
			return nil, "", fmt.Errorf("error setting up FCM: %w", err)
		}
		add("fcm", s)
	}
	if p.GorushURL != "" {
		s, err := gorush.New(gorush.Options{URL: p.GorushURL, IOSTopic: p.GorushIOSTopic, Logger: log})
		if err != nil {
			return nil, "", fmt.Errorf("error setting up Gorush: %w", err)
		}
		add("gorush", s)
	}
	policy := endpoint.Policy{AllowLoopbackHTTP: p.AllowInsecureLoopback}
	var vapidPublic string
	if p.VAPIDSubject != "" {
		keys, err := vapidKeys(ctx, p, db)
		if err != nil {
			return nil, "", err
		}
		s, err := webpush.New(webpush.Options{Keys: keys, Subject: p.VAPIDSubject,
			HTTPClient: endpoint.Client(policy, endpointTimeout), Logger: log})
		if err != nil {
			return nil, "", fmt.Errorf("error setting up Web Push: %w", err)
		}
		add("webpush", s)
		vapidPublic = keys.Public
	}
	if p.UnifiedPush {
		s, err := unifiedpush.New(unifiedpush.Options{Policy: policy, Timeout: endpointTimeout, Logger: log})
		if err != nil {
			return nil, "", fmt.Errorf("error setting up UnifiedPush: %w", err)
		}
		add("unifiedpush", s)
	}
	return out, vapidPublic, nil
}

// vapidKeyName is the VAPID key pair's name in server_secrets.
const vapidKeyName = "vapid_keys"

// vapidKeys is the configured VAPID pair, or the one the server made on its first start with Web Push on and
// keeps in server_secrets, so every process signs with it and subscriptions outlive restarts.
func vapidKeys(ctx context.Context, p config.Push, db delivery.DB) (webpush.Keys, error) {
	if p.VAPIDPublicKey != "" {
		k, err := webpush.ParseKeys(p.VAPIDPublicKey, p.VAPIDPrivateKey)
		if err != nil {
			return webpush.Keys{}, fmt.Errorf("VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY: %w", err)
		}
		return k, nil
	}
	fresh, err := webpush.GenerateKeys()
	if err != nil {
		return webpush.Keys{}, fmt.Errorf("error generating VAPID keys: %w", err)
	}
	value, err := json.Marshal(fresh)
	if err != nil {
		return webpush.Keys{}, fmt.Errorf("error encoding VAPID keys: %w", err)
	}
	stored, err := delivery.SecretStore(db)(ctx, vapidKeyName, value)
	if err != nil {
		return webpush.Keys{}, err
	}
	var k webpush.Keys
	if err := json.Unmarshal(stored, &k); err != nil {
		return webpush.Keys{}, fmt.Errorf("error decoding the stored VAPID keys: %w", err)
	}
	return webpush.ParseKeys(k.Public, k.Private)
}

package delivery

import (
	"context"
	"errors"
	"fmt"

	"github.com/homekeep/homekeep/internal/identity"
	"github.com/homekeep/homekeep/internal/mail"
)

// TestResult is what became of a test: the email's outcome and each device's.
type TestResult struct {
	Email   Outcome
	Devices []DeviceOutcome
}

// Outcome is a status (StatusSent, StatusFailed, StatusSkipped) and, unless sent, why.
type Outcome struct {
	Status, Error string
}

// DeviceOutcome is the outcome of a test push to one device.
type DeviceOutcome struct {
	Outcome
	DeviceID int64
	Platform string
}

// Test sends a test push to each of the user's active devices and a test email to the user's verified
// address, now, logs each attempt (under no notification) and returns what became of each.
func (s *Deliverer) Test(ctx context.Context, u *identity.User) (*TestResult, error) {
	devices, err := s.q.NotificationDeviceListActive(ctx, s.d.DB, u.ID)
	if err != nil {
		return nil, fmt.Errorf("error listing the devices to test: %w", err)
	}
	res := &TestResult{Devices: make([]DeviceOutcome, 0, len(devices))}
	var failed []error
	content := pushContent{kind: "test", title: "Homekeep test", body: "Push notifications reach this device.",
		path: "/notifications", collapseKey: "test", badge: -1, attempt: 1}
	for _, o := range s.pushTo(ctx, devices, content) {
		res.Devices = append(res.Devices, DeviceOutcome{Outcome: Outcome{Status: o.status, Error: o.reason},
			DeviceID: o.device.ID, Platform: o.device.Platform})
		failed = append(failed, s.record(ctx, 0, u.ID, ChannelPush, o.device.ID, o.status, 1, o.reason))
	}
	if u.EmailVerifiedAt == nil {
		res.Email = Outcome{Status: StatusSkipped, Error: "the email address is not verified"}
	} else {
		status, reason, _ := mailOutcome(s.d.Mailer.Send(ctx, mail.Message{To: u.Email, Subject: "Homekeep test email",
			Text: "This is a test email from Homekeep: notification emails reach this address.\n"}))
		res.Email = Outcome{Status: status, Error: reason}
	}
	failed = append(failed, s.record(ctx, 0, u.ID, ChannelEmail, 0, res.Email.Status, 1, res.Email.Error))
	if err := errors.Join(failed...); err != nil {
		return nil, err
	}
	return res, nil
}

package apptest

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testsmtp"
	"github.com/homekeep/homekeep/internal/testwait"
)

// WithSMTP configures an instance to send its mail to s, and to run the job workers that send it.
func WithSMTP(s *testsmtp.Server) func(*config.Config) {
	return func(c *config.Config) {
		c.SMTPURL, c.MailFrom, c.Workers = s.URL, "Homekeep <no-reply@homekeep.test>", true
	}
}

// Me sends GET /auth/me with token.
func Me(t *testing.T, inst *Instance, token string) Response {
	t.Helper()
	return inst.Do(t, Request{Method: http.MethodGet, Path: "/auth/me", Token: token})
}

// MeCost runs one GET /auth/me and returns the SQL statements and Valkey round trips it took.
func MeCost(t *testing.T, inst *Instance, token string) (sql, valkey int64) {
	t.Helper()
	before, vkBefore := inst.Stmts.Snapshot(), int64(0)
	if inst.Valkey != nil {
		vkBefore = inst.Valkey.RoundTrips()
	}
	r := Me(t, inst, token)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	if inst.Valkey != nil {
		valkey = inst.Valkey.RoundTrips() - vkBefore
	}
	return inst.Stmts.RoundTrips(before), valkey
}

// Warm repeats requests until one costs nothing (the background cache fill has landed).
func Warm(t *testing.T, inst *Instance, token string) {
	t.Helper()
	testwait.Until(t, 5*time.Second, func() bool {
		sql, vk := MeCost(t, inst, token)
		return sql == 0 && vk == 0
	}, "the token never became warm")
}

// AuthRateLimit configures an instance to allow n attempts per minute on the rate-limited endpoints.
func AuthRateLimit(n int32) func(*config.Config) {
	return func(c *config.Config) { c.AuthRateLimit = n }
}

package accounts_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

func TestRateLimits(t *testing.T) {
	t.Parallel()
	const limit = 10

	t.Run("LoginPerEmailAcrossIPsAndInstances", func(t *testing.T) {
		t.Parallel()
		url, prefix := apptest.SharedValkey(t)
		a := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, Configure: apptest.AuthRateLimit(limit)})
		b := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL,
			Configure: apptest.AuthRateLimit(limit)})
		acct := a.Register(t)
		for i := range limit {
			inst := []*apptest.Instance{a, b}[i%2] // both processes count into one Valkey counter
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login", Header: apptest.ForwardedFor(fmt.Sprintf("198.51.100.%d", i)),
				Body: map[string]any{"email": acct.Email, "password": "wrong password"}})
			require.Equal(t, http.StatusUnauthorized, r.Status, "attempt %d", i+1)
		}
		r := b.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login", Header: apptest.ForwardedFor("203.0.113.77"),
			Body: map[string]any{"email": acct.Email, "password": apptest.TestPassword}})
		require.Equal(t, http.StatusTooManyRequests, r.Status, "the 11th attempt on one email is refused, even from a new IP with the right password")
		require.Equal(t, "rate_limited", r.Err(t).Error.Code)
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		require.NoError(t, err, "Retry-After is whole seconds: %q", r.Header.Get("Retry-After"))
		require.True(t, secs >= 1 && secs <= 60, "Retry-After %d within the one-minute window", secs)

		other := a.Register(t)
		ok := a.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login", Header: apptest.ForwardedFor("203.0.113.78"),
			Body: map[string]any{"email": other.Email, "password": apptest.TestPassword}})
		require.Equal(t, http.StatusOK, ok.Status, "another account is not affected")
	})

	t.Run("LoginPerIPAcrossEmails", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{NoSeed: true, Configure: apptest.AuthRateLimit(limit)})
		for i := range limit {
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login", Header: apptest.ForwardedFor("192.0.2.10"),
				Body: map[string]any{"email": apptest.UniqueEmail(), "password": "whatever it is"}})
			require.Equal(t, http.StatusUnauthorized, r.Status, "attempt %d", i+1)
		}
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login", Header: apptest.ForwardedFor("192.0.2.10"),
			Body: map[string]any{"email": apptest.UniqueEmail(), "password": "whatever it is"}})
		require.Equal(t, http.StatusTooManyRequests, r.Status)
		require.NotEmpty(t, r.Header.Get("Retry-After"))
	})

	t.Run("EveryCodeEndpoint", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{NoSeed: true, Configure: apptest.AuthRateLimit(2)})
		acct := inst.Register(t)
		tests := []struct {
			name string
			req  func(ip string) apptest.Request
		}{
			{"ForgotPassword", func(ip string) apptest.Request {
				return apptest.Request{Method: http.MethodPost, Path: "/auth/forgot-password", Header: apptest.ForwardedFor(ip),
					Body: map[string]any{"email": acct.Email}}
			}},
			{"VerifyResetCode", func(ip string) apptest.Request {
				return apptest.Request{Method: http.MethodPost, Path: "/auth/verify-reset-code", Header: apptest.ForwardedFor(ip),
					Body: map[string]any{"email": acct.Email, "code": "123456"}}
			}},
			{"VerifyEmail", func(ip string) apptest.Request {
				return apptest.Request{Method: http.MethodPost, Path: "/auth/verify-email", Header: apptest.ForwardedFor(ip), Token: acct.Token,
					Body: map[string]any{"code": "123456"}}
			}},
		}
		for i, tt := range tests {
			for j := range 2 {
				r := inst.Do(t, tt.req(fmt.Sprintf("10.%d.0.%d", i, j)))
				require.NotEqual(t, http.StatusTooManyRequests, r.Status, "%s attempt %d", tt.name, j+1)
			}
			r := inst.Do(t, tt.req(fmt.Sprintf("10.%d.0.99", i)))
			require.Equal(t, http.StatusTooManyRequests, r.Status, "%s: third attempt on one email", tt.name)
			require.NotEmpty(t, r.Header.Get("Retry-After"))
		}
	})
}

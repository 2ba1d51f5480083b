package unsubscribe_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/unsubscribe"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	s := unsubscribe.NewWithKey([]byte("0123456789abcdef0123456789abcdef"))
	claims := unsubscribe.Claims{UserID: 42, Kind: "task_overdue", Expires: now.Add(time.Hour)}
	token, err := s.Token(ctx, claims)
	require.NoError(t, err)
	other, err := unsubscribe.NewWithKey([]byte("another key of thirty-two bytes!")).Token(ctx, claims)
	require.NoError(t, err)

	for _, tc := range []struct {
		name  string
		token string
		at    time.Time
		want  error
	}{
		{"GenuineTokenBeforeItsExpiry", token, now, nil},
		{"ExpiredToken", token, now.Add(time.Hour), unsubscribe.ErrExpired},
		{"AnotherServersToken", other, now, unsubscribe.ErrInvalid},
		{"AnotherUser", strings.Replace(token, ".42.", ".43.", 1), now, unsubscribe.ErrInvalid},
		{"AnotherKind", strings.Replace(token, "task_overdue", "task_assigned", 1), now, unsubscribe.ErrInvalid},
		{"LaterExpiry", withPart(token, 3, "4102444800"), now.Add(2 * time.Hour), unsubscribe.ErrInvalid},
		{"Truncated", token[:len(token)-1], now, unsubscribe.ErrInvalid},
		{"Garbage", "not-a-token", now, unsubscribe.ErrInvalid},
		{"Empty", "", now, unsubscribe.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.Check(ctx, tc.token, tc.at)
			require.ErrorIs(t, err, tc.want)
			if tc.want == nil {
				require.Equal(t, claims.UserID, got.UserID)
				require.Equal(t, claims.Kind, got.Kind)
				require.True(t, claims.Expires.Equal(got.Expires))
			}
		})
	}
}

// withPart returns token with its dot-separated part i replaced by v, keeping the signature.
func withPart(token string, i int, v string) string {
	parts := strings.Split(token, ".")
	parts[i] = v
	return strings.Join(parts, ".")
}

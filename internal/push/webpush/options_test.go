package webpush

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNew(t *testing.T) {
	t.Parallel()

	keys, err := GenerateKeys()
	require.NoError(t, err)
	other, err := GenerateKeys()
	require.NoError(t, err)

	t.Run("RefusesBadOptionsNamingTheField", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct {
			name string
			o    Options
			want string
		}{
			{"NoKeys", Options{Subject: testSubject}, "Keys (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY) are required"},
			{"MismatchedKeys", Options{Keys: Keys{Public: keys.Public, Private: other.Private}, Subject: testSubject}, "Keys: VAPID keys"},
			{"NoSubject", Options{Keys: keys}, "Subject (VAPID_SUBJECT): required"},
			{"BareAddress", Options{Keys: keys, Subject: "ops@homekeep.example"}, "neither a mailto: nor an https: URL"},
			{"MailtoWithoutAddress", Options{Keys: keys, Subject: "mailto:ops"}, "not a mailto: URL with an address"},
			{"HTTPSubject", Options{Keys: keys, Subject: "http://homekeep.example"}, "neither a mailto: nor an https: URL"},
			{"NegativeTTL", Options{Keys: keys, Subject: testSubject, TTL: -time.Hour}, "TTL (WEBPUSH_TTL)"},
		} {
			_, err := New(tt.o)
			require.ErrorContains(t, err, tt.want, tt.name)
			require.NotContains(t, err.Error(), other.Private, "%s: the error echoes a private key", tt.name)
			require.NotContains(t, err.Error(), keys.Private, "%s: the error echoes a private key", tt.name)
		}
	})

	t.Run("DefaultsFollowNoRedirect", func(t *testing.T) {
		t.Parallel()
		s, err := New(Options{Keys: keys, Subject: "https://homekeep.example/contact"})
		require.NoError(t, err)

		require.Equal(t, TimeoutDefault, s.httpClient.Timeout)
		require.NotNil(t, s.httpClient.CheckRedirect)
		require.ErrorIs(t, s.httpClient.CheckRedirect(nil, nil), http.ErrUseLastResponse)
		require.Equal(t, 86400, s.ttlSeconds)
		require.Equal(t, "https://homekeep.example/contact", s.subscriber, "an https subject is passed whole")
	})
}

package webpush

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseKeys(t *testing.T) {
	t.Parallel()

	generate := func(t *testing.T) Keys {
		t.Helper()
		keys, err := GenerateKeys()
		require.NoError(t, err)
		return keys
	}

	t.Run("AcceptsAGeneratedPair", func(t *testing.T) {
		t.Parallel()
		keys := generate(t)

		got, err := ParseKeys(keys.Public, keys.Private)

		require.NoError(t, err)
		require.Equal(t, keys, got)
	})

	t.Run("AcceptsPaddedAndStandardBase64", func(t *testing.T) {
		t.Parallel()
		keys := generate(t)
		pub, err := base64.RawURLEncoding.DecodeString(keys.Public)
		require.NoError(t, err)
		priv, err := base64.RawURLEncoding.DecodeString(keys.Private)
		require.NoError(t, err)

		got, err := ParseKeys(base64.StdEncoding.EncodeToString(pub), base64.URLEncoding.EncodeToString(priv)+"\n")

		require.NoError(t, err)
		require.Equal(t, keys, got, "keys are returned unpadded base64url")
	})

	t.Run("RefusesAMismatchedPair", func(t *testing.T) {
		t.Parallel()
		one, other := generate(t), generate(t)

		_, err := ParseKeys(one.Public, other.Private)

		require.ErrorContains(t, err, "not the private key's")
		require.NotContains(t, err.Error(), other.Private, "the error echoes the private key")
		require.NotContains(t, err.Error(), one.Public)
	})

	t.Run("RefusesGarbage", func(t *testing.T) {
		t.Parallel()
		keys := generate(t)
		for _, tt := range []struct{ name, public, private, want string }{
			{"EmptyPublic", "", keys.Private, "public key: not base64url"},
			{"PublicNotBase64", "not base64!", keys.Private, "public key: not base64url"},
			{"PublicTooShort", keys.Public[:40], keys.Private, "public key: not an uncompressed P-256 point"},
			{"PublicNotOnTheCurve", base64.RawURLEncoding.EncodeToString(append([]byte{4}, make([]byte, 64)...)), keys.Private, "public key: not an uncompressed P-256 point"},
			{"PrivateNotBase64", keys.Public, "%%%", "private key: not base64url"},
			{"PrivateTooShort", keys.Public, keys.Private[:20], "private key: not a P-256 scalar"},
			{"PrivateZero", keys.Public, base64.RawURLEncoding.EncodeToString(make([]byte, 32)), "private key: not a P-256 scalar"},
			{"PrivateIsThePublicKey", keys.Public, keys.Public, "private key: not a P-256 scalar"},
		} {
			_, err := ParseKeys(tt.public, tt.private)
			require.ErrorContains(t, err, tt.want, tt.name)
			if tt.private != "" && len(tt.private) > 8 {
				require.False(t, strings.Contains(err.Error(), tt.private), "%s: the error echoes the private key", tt.name)
			}
		}
	})
}

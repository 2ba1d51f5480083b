package google

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSecretPath(t *testing.T) {
	t.Parallel()
	const secret = "4f9c2a7e1b8d3f6a0c5e9b2d7a4f1c8e" // 32 hex characters, the shortest accepted

	matches := []struct {
		name    string
		segment string
		want    bool
	}{
		{name: "RightSecret", segment: secret, want: true},
		{name: "WrongLastCharacter", segment: secret[:31] + "f"},
		{name: "Prefix", segment: secret[:31]},
		{name: "SecretWithMore", segment: secret + "0"},
		{name: "OtherCase", segment: strings.ToUpper(secret)},
		{name: "Empty", segment: ""},
	}
	sp, err := NewSecretPath(secret)
	require.NoError(t, err)
	for _, tt := range matches {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, sp.Matches(tt.segment), "Matches(%q)", tt.segment)
		})
	}

	refused := []struct {
		name    string
		secret  string
		wantErr string
	}{
		{name: "RefusesEmpty", secret: "", wantErr: "has 0 characters, want at least 32"},
		{name: "RefusesTooShort", secret: secret[:31], wantErr: "has 31 characters, want at least 32"},
		{name: "RefusesASlash", secret: secret[:16] + "/" + secret[16:], wantErr: "a character other than"},
		{name: "RefusesASpace", secret: secret + " ", wantErr: "a character other than"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sp, err := NewSecretPath(tt.secret)
			require.Nil(t, sp)
			require.ErrorContains(t, err, tt.wantErr)
			if tt.secret != "" {
				require.NotContains(t, err.Error(), tt.secret[:16], "the error repeats the secret")
			}
		})
	}
}

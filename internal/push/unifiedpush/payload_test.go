package unifiedpush

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/push"
)

func TestEncodePayload(t *testing.T) {
	t.Parallel()

	t.Run("KeepsAShortMessageWhole", func(t *testing.T) {
		t.Parallel()
		b, err := encodePayload(push.Message{Title: "T", Body: "B", Path: "/p", NotificationID: 0, Kind: "test"})
		require.NoError(t, err)
		require.JSONEq(t, `{"title":"T","body":"B","path":"/p","notification_id":"0","kind":"test"}`, string(b))
	})

	t.Run("CutsTheBodyAtACharacter", func(t *testing.T) {
		t.Parallel()
		b, err := encodePayload(push.Message{Title: "T", Body: strings.Repeat("ü€", 3000), Kind: "k"})
		require.NoError(t, err)
		require.LessOrEqual(t, len(b), MaxPayload)
		require.True(t, utf8.Valid(b), "the cut body is valid UTF-8")
		var p payload
		require.NoError(t, json.Unmarshal(b, &p))
		require.True(t, strings.HasSuffix(p.Body, ellipsis))
	})

	t.Run("DropsDataAndCutsTheTitleWhenTheBodyIsNotEnough", func(t *testing.T) {
		t.Parallel()
		b, err := encodePayload(push.Message{
			Title: strings.Repeat("t", 5000), Body: "body", Kind: "k",
			Data: map[string]string{"big": strings.Repeat("d", 5000)},
		})
		require.NoError(t, err)
		require.LessOrEqual(t, len(b), MaxPayload)
		var p payload
		require.NoError(t, json.Unmarshal(b, &p))
		require.Empty(t, p.Data)
		require.Empty(t, p.Body)
		require.True(t, strings.HasSuffix(p.Title, ellipsis))
	})

	t.Run("RefusesWhatCannotFit", func(t *testing.T) {
		t.Parallel()
		_, err := encodePayload(push.Message{Title: "T", Path: "/" + strings.Repeat("p", MaxPayload)})
		require.ErrorIs(t, err, errTooLarge)
	})
}

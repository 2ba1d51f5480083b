package webpush

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

	t.Run("KeepsABodyThatFits", func(t *testing.T) {
		t.Parallel()
		msg := push.Message{Title: "Warranty", Body: "Fridge & freezer <warranty> ends", Path: "/documents/9", NotificationID: 5, Kind: "warranty_expiring"}

		got, err := encodePayload(msg)

		require.NoError(t, err)
		require.JSONEq(t, `{"title":"Warranty","body":"Fridge & freezer <warranty> ends","path":"/documents/9","notification_id":"5","kind":"warranty_expiring"}`, string(got))
	})

	t.Run("CutsTheBodyAtACharacter", func(t *testing.T) {
		t.Parallel()
		for _, body := range []string{
			strings.Repeat("x", 5000),
			strings.Repeat("ü", 3000),
			strings.Repeat("🏠", 2000),
			strings.Repeat("\"\n", 2000), // each character escapes to two bytes
			strings.Repeat("\x01", 2000), // each byte escapes to six
		} {
			msg := push.Message{Title: "Title", Body: body, Path: "/tasks/1", Kind: "task_due_soon", Data: map[string]string{"task_id": "1"}}

			got, err := encodePayload(msg)

			require.NoError(t, err)
			require.LessOrEqual(t, len(got), maxPayloadLen, "payload length for a body of %q…", body[:8])
			require.Greater(t, len(got), maxPayloadLen-12, "the body of %q… was cut by more than needed", body[:8])
			var p payload
			require.NoError(t, json.Unmarshal(got, &p))
			require.True(t, utf8.ValidString(p.Body), "the cut body is not valid UTF-8")
			require.True(t, strings.HasSuffix(p.Body, ellipsis), "the cut body does not end with an ellipsis")
			require.True(t, strings.HasPrefix(body, strings.TrimSuffix(p.Body, ellipsis)), "the cut body is not the body's start")
		}
	})

	t.Run("RefusesWhatDoesNotFitWithoutABody", func(t *testing.T) {
		t.Parallel()
		msg := push.Message{Title: "Title", Body: "body", Data: map[string]string{"blob": strings.Repeat("b", 4000)}}

		_, err := encodePayload(msg)

		require.ErrorContains(t, err, "without its body")
	})
}

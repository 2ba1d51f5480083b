package webpush

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTopic(t *testing.T) {
	t.Parallel()

	t.Run("KeepsAKeyThatFits", func(t *testing.T) {
		t.Parallel()
		for _, key := range []string{"task-12", "doc_4", strings.Repeat("a", 32), "AZaz09-_"} {
			require.Equal(t, key, topic(key), "topic(%q)", key)
		}
	})

	t.Run("HashesALongOrUnsafeKey", func(t *testing.T) {
		t.Parallel()
		seen := map[string]string{}
		for _, key := range []string{
			strings.Repeat("a", 33),
			"task:12",
			"task 12",
			"task/12",
			"task=12",
			"Aufgabe-Übersicht",
			"residence:4/task:12/reminder:due_soon",
		} {
			got := topic(key)
			require.Len(t, got, 32, "topic(%q) = %q", key, got)
			require.True(t, isURLSafeBase64(got), "topic(%q) = %q is outside the URL-safe base64 alphabet", key, got)
			require.Equal(t, got, topic(key), "topic(%q) is not stable", key)
			require.NotContains(t, seen, got, "topic(%q) collides with topic(%q)", key, seen[got])
			seen[got] = key
		}
	})

	t.Run("NoKeyNoTopic", func(t *testing.T) {
		t.Parallel()
		require.Empty(t, topic(""))
	})
}

package ratelimit

import (
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strconv"
)

// storedKeys returns the Valkey (and in-process) keys for one attempt, "<prefix>ratelimit:<rule>:<window
// index>:<hashed key>", skipping empty keys and duplicates (a key given twice must not count twice).
//
// The window index is part of the key, so a new window starts from a fresh counter without any reset, and old
// counters simply expire.
func (l *Limiter) storedKeys(rule Rule, windowIndex int64, keys []string) []string {
	base := l.prefix + "ratelimit:" + rule.Name + ":" + strconv.FormatInt(windowIndex, 10) + ":"
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k == "" {
			continue
		}
		if sk := base + hashKey(k); !slices.Contains(out, sk) {
			out = append(out, sk)
		}
	}
	return out
}

// hashKey maps a caller's key, which holds user input (an email can contain ':', '*', spaces or any bytes), to
// a fixed 22-character URL-safe token. Hashing rather than escaping keeps keys short however long the input,
// so no input can break the key format or collide with another key's prefix, and keeps email addresses out of
// the shared cache's keyspace in plain text. It is not meant to keep them secret (the hash is unsalted); 128
// bits of SHA-256 make accidental collisions negligible.
func hashKey(k string) string {
	sum := sha256.Sum256([]byte(k))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

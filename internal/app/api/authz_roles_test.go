package api_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

// The authorization matrix (issue 19) is driven by the `x-roles` extension every operation of api/openapi.yaml
// and api/admin.yaml carries; its descriptions say the same in a sentence. The app's vocabulary:
//
//   - public: no token needed;
//   - user: any signed-in user, on their own data or on lists of what they belong to;
//   - owner, editor, viewer: the roles of the target's residence that may call it; a member with another
//     role gets 403, anyone else 404;
//   - self: the user the target belongs to (their notification, their device, themself as a member); when
//     self is the only entry, anyone else gets 404.
//
// The admin API's: public, or the admin roles viewer, admin and owner that may call it (another role: 403).

// appRoleWords and adminRoleWords are the words each spec's x-roles may use.
var (
	appRoleWords   = []string{"public", "user", "owner", "editor", "viewer", "self"}
	adminRoleWords = []string{"public", "viewer", "admin", "owner"}
)

// roleOperation is one operation of a spec with the roles its x-roles allows.
type roleOperation struct {
	ID, Method, Path string
	Roles            []string
}

// allows reports whether role is one of the operation's roles.
func (o roleOperation) allows(role string) bool { return slices.Contains(o.Roles, role) }

// residenceScoped reports whether the operation's target belongs to a residence (its roles name one).
func (o roleOperation) residenceScoped() bool {
	return o.allows("owner") || o.allows("editor") || o.allows("viewer")
}

// loadRoleOperations reads every operation of api/<file> with its x-roles, sorted by operationId; an
// operation without x-roles, or with a word outside words, fails the test.
func loadRoleOperations(t *testing.T, file string, words []string) []roleOperation {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join("..", "..", "..", "api", file))
	require.NoError(t, err, "loading api/%s", file)
	require.NoError(t, doc.Validate(context.Background()), "validating api/%s", file)
	var out []roleOperation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ro := roleOperation{ID: op.OperationID, Method: method, Path: path}
			raw, ok := op.Extensions["x-roles"].([]any)
			if !ok || len(raw) == 0 {
				t.Errorf("api/%s: %s (%s %s) has no x-roles: say who may call it (one of %v)", file, op.OperationID, method, path, words)
				continue
			}
			for _, r := range raw {
				s, _ := r.(string)
				if !slices.Contains(words, s) {
					t.Errorf("api/%s: %s has x-roles entry %v, not one of %v", file, op.OperationID, r, words)
				}
				ro.Roles = append(ro.Roles, s)
			}
			if (ro.allows("public") || ro.allows("user")) && len(ro.Roles) > 1 {
				t.Errorf("api/%s: %s: public and user stand alone in x-roles, got %v", file, op.OperationID, ro.Roles)
			}
			out = append(out, ro)
		}
	}
	slices.SortFunc(out, func(a, b roleOperation) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// fillPath puts params into a spec path template such as /residences/{id}/members/{user_id}.
func fillPath(t *testing.T, template string, params map[string]any) string {
	t.Helper()
	out := template
	for name, v := range params {
		out = strings.ReplaceAll(out, "{"+name+"}", fmt.Sprint(v))
	}
	require.NotContains(t, out, "{", "a path parameter of %s has no value", template)
	return out
}

// requireNoLeak fails when body holds any of secrets, or any of ids that the request itself (sent) did not
// carry: a refusal, or a stranger's answer, must say nothing about the target.
func requireNoLeak(t *testing.T, body []byte, sent string, secrets []string, ids []int64, what string) {
	t.Helper()
	text := string(body)
	for _, s := range secrets {
		require.NotContains(t, text, s, "%s: the answer leaks the target's data", what)
	}
	for _, id := range ids {
		n := fmt.Sprint(id)
		if containsNumber(sent, n) {
			continue
		}
		require.False(t, containsNumber(text, n), "%s: the answer names the target's id %s, which the request did not carry: %s", what, n, text)
	}
}

// containsNumber reports whether n occurs in s as a whole number (not inside a longer one).
func containsNumber(s, n string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], n)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(n)
		digit := func(k int) bool { return k >= 0 && k < len(s) && s[k] >= '0' && s[k] <= '9' }
		if !digit(start-1) && !digit(end) {
			return true
		}
		i = start + 1
	}
}

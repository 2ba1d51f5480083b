package fcm

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewRefusesBadOptions(t *testing.T) {
	t.Parallel()
	srv := startFCM(t)
	good := srv.credentials(t, srv.key)
	with := func(change func(map[string]any)) []byte {
		var m map[string]any
		require.NoError(t, json.Unmarshal(good, &m))
		change(m)
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return b
	}
	var goodFields map[string]string
	require.NoError(t, json.Unmarshal(good, &goodFields))

	cases := []struct {
		name string
		o    Options
		says string
	}{
		{"NoCredentials", Options{}, "CredentialsJSON (FCM_CREDENTIALS or FCM_CREDENTIALS_FILE) is required"},
		{"NotJSON", Options{CredentialsJSON: []byte("-----BEGIN PRIVATE KEY-----\nMIIE")}, "not a JSON service-account key"},
		{"NotAServiceAccount", Options{CredentialsJSON: with(func(m map[string]any) { m["type"] = "authorized_user" })}, `type "authorized_user"`},
		{"NoEmail", Options{CredentialsJSON: with(func(m map[string]any) { delete(m, "client_email") })}, "no client_email"},
		{"BrokenKey", Options{CredentialsJSON: with(func(m map[string]any) { m["private_key"] = goodFields["private_key"][:200] })}, "no readable RSA private_key"},
		{"PlainHTTPTokenURI", Options{CredentialsJSON: with(func(m map[string]any) { m["token_uri"] = "http://127.0.0.1/token" })}, "token_uri that is not an https URL"},
		{"NoProject", Options{CredentialsJSON: with(func(m map[string]any) { delete(m, "project_id") })}, "ProjectID (FCM_PROJECT_ID) is required"},
		{"BadProject", Options{CredentialsJSON: good, ProjectID: "a/../b"}, "is not a project id"},
	}
	for _, tc := range cases {
		_, err := New(tc.o)
		require.ErrorContains(t, err, tc.says, tc.name)
		require.NotContains(t, err.Error(), "PRIVATE KEY", "%s: the error repeats the key", tc.name)
		require.NotContains(t, err.Error(), goodFields["private_key"][40:80], "%s: the error repeats the key", tc.name)
	}

	_, err := New(Options{CredentialsJSON: with(func(m map[string]any) { delete(m, "project_id") }), ProjectID: "from-env"})
	require.NoError(t, err, "FCM_PROJECT_ID stands in for a missing project_id")
}

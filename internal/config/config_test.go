package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoad(t *testing.T) {
	t.Parallel()

	t.Run("DefaultsWhenUnset", func(t *testing.T) {
		t.Parallel()
		c, err := Load(env(nil))
		require.NoError(t, err)
		require.Equal(t, ":8080", c.HTTPAddr)
		require.Equal(t, int32(10), c.DBMinConns)
		require.Equal(t, int32(20), c.DBMaxConns)
		require.Equal(t, 30*time.Minute, c.DBMaxConnLifetime)
		require.Equal(t, PoolerNone, c.DBPooler)
		require.Equal(t, "force_generic_plan", c.DBPlanCacheMode, "hot statements are planned once per connection")
		require.Equal(t, int64(1<<20), c.HTTPBodyLimit)
		require.Empty(t, c.ValkeyURL, "no VALKEY_URL means in-process caches only")
		require.Contains(t, c.TrustedProxies, netip.MustParsePrefix("127.0.0.0/8"))
		wd, err := os.Getwd()
		require.NoError(t, err)
		require.Equal(t, "file://"+filepath.ToSlash(filepath.Join(wd, ".data", "files")), c.FileStorageURL,
			"files default to ./.data/files, made absolute")
		require.Equal(t, int64(25<<20), c.MaxUploadSize)
		require.Equal(t, 500*time.Millisecond, c.ValkeyTimeout, "a Valkey call waits half a second at most")
		require.True(t, c.Workers, "serve runs the job workers unless told not to")
		require.Equal(t, 12*time.Hour, c.ReminderGrace, "a missed reminder is caught up for half a day")
		require.Equal(t, 5*time.Second, c.ShutdownDelay, "a load balancer gets five seconds to stop sending")
	})

	t.Run("FileStorageAcceptsDirectoriesAndURLs", func(t *testing.T) {
		t.Parallel()
		for in, want := range map[string]string{
			"/srv/homekeep files":                  "file:///srv/homekeep%20files",
			"file:///srv/files":                    "file:///srv/files",
			"s3://homekeep-files?region=eu-west-1": "s3://homekeep-files?region=eu-west-1",
			"mem://":                               "mem://",
		} {
			c, err := Load(env(map[string]string{"FILE_STORAGE_URL": in}))
			require.NoError(t, err, "FILE_STORAGE_URL=%q", in)
			require.Equal(t, want, c.FileStorageURL, "FILE_STORAGE_URL=%q", in)
		}
	})

	t.Run("ReadsEveryVariable", func(t *testing.T) {
		t.Parallel()
		c, err := Load(env(map[string]string{
			"DATABASE_URL": "postgres://db/homekeep", "VALKEY_URL": "redis://cache:6379/1", "HTTP_ADDR": "127.0.0.1:9000",
			"DB_MAX_CONNS": "40", "DB_MIN_CONNS": "0", "DB_MAX_CONN_LIFETIME": "1h", "DB_MAX_CONN_IDLE_TIME": "2m",
			"DB_POOLER": "pgbouncer-transaction", "LOG_LEVEL": "debug", "LOG_FORMAT": "json", "SHUTDOWN_TIMEOUT": "3s", "SHUTDOWN_DELAY": "0",
			"TRUSTED_PROXIES": "none", "CACHE_KEY_PREFIX": "staging:", "TOKEN_CACHE_TTL": "2h", "USER_CACHE_SIZE": "100",
			"USER_CACHE_TTL": "1m", "SMTP_URL": "smtps://u:p@mail:465", "MAIL_FROM": "HK <hk@example.com>", "AUTH_RATE_LIMIT": "3",
			"FILE_STORAGE_URL": "s3://files?region=eu-central-1", "MAX_UPLOAD_SIZE": "1000",
			"CORS_ORIGINS": "https://app.example.com", "VALKEY_TIMEOUT": "2s", "BOARD_CACHE_SIZE": "0",
			"DB_PLAN_CACHE_MODE": "auto", "WORKERS": "false", "REMINDER_GRACE": "6h",
			"PUBLIC_URL": "https://homekeep.example.com/",
			"GORUSH_URL": "http://gorush:8088/", "GORUSH_IOS_TOPIC": "com.example.homekeep", "APNS_KEY": "PEM",
			"APNS_KEY_ID": "ABC123DEFG", "APNS_TEAM_ID": "TEAM123456", "APNS_TOPIC": "com.example.homekeep",
			"APNS_ENVIRONMENT": "sandbox", "FCM_CREDENTIALS": `{"type":"service_account"}`, "FCM_PROJECT_ID": "hk",
			"VAPID_SUBJECT": "mailto:ops@example.com", "VAPID_PUBLIC_KEY": "pub", "VAPID_PRIVATE_KEY": "priv",
			"UNIFIEDPUSH": "false", "PUSH_ALLOW_INSECURE_LOOPBACK": "true",
			"APPLE_BUNDLE_ID": "com.example.homekeep", "APPLE_APP_APPLE_ID": "1234567890", "APPLE_ALLOW_SANDBOX": "false",
			"GOOGLE_PLAY_PACKAGE_NAME": "app.homekeep", "GOOGLE_PLAY_CREDENTIALS": `{"type":"service_account"}`,
			"GOOGLE_PUBSUB_AUDIENCE": "https://homekeep.example.com/api/webhooks/google/push",
			"GOOGLE_PUBSUB_EMAIL":    "rtdn@hk.iam.gserviceaccount.com", "GOOGLE_PUBSUB_SECRET": strings.Repeat("s3cret", 6),
		}))
		require.NoError(t, err)
		require.Equal(t, Config{
			DatabaseURL: "postgres://db/homekeep", ValkeyURL: "redis://cache:6379/1", HTTPAddr: "127.0.0.1:9000",
			HTTPReadTimeout: 15 * time.Second, HTTPWriteTimeout: 30 * time.Second, HTTPIdleTimeout: 120 * time.Second,
			RequestTimeout: 5 * time.Second, HTTPBodyLimit: 1 << 20, DBMaxConns: 40, DBMinConns: 0, DBMaxConnLifetime: time.Hour,
			DBMaxConnIdleTime: 2 * time.Minute, DBPooler: PoolerPgBouncerTransaction, DBPlanCacheMode: "auto", LogLevel: "debug",
			LogFormat: "json", ShutdownTimeout: 3 * time.Second, ShutdownDelay: 0, CacheKeyPrefix: "staging:", ValkeyTimeout: 2 * time.Second, TokenCacheTTL: 2 * time.Hour,
			UserCacheSize: 100, UserCacheTTL: time.Minute, SMTPURL: "smtps://u:p@mail:465", MailFrom: "HK <hk@example.com>",
			AuthRateLimit: 3, Argon2MemoryKiB: 19456, Argon2Iterations: 2,
			FileStorageURL: "s3://files?region=eu-central-1", MaxUploadSize: 1000,
			CORSOrigins: []string{"https://app.example.com"}, BoardCacheSize: 0, ReminderGrace: 6 * time.Hour,
			PublicURL: "https://homekeep.example.com",
			Push: Push{GorushURL: "http://gorush:8088", GorushIOSTopic: "com.example.homekeep", APNsKey: []byte("PEM"),
				APNsKeyID: "ABC123DEFG", APNsTeamID: "TEAM123456", APNsTopic: "com.example.homekeep",
				FCMCredentials: []byte(`{"type":"service_account"}`), FCMProjectID: "hk", VAPIDSubject: "mailto:ops@example.com",
				VAPIDPublicKey: "pub", VAPIDPrivateKey: "priv", AllowInsecureLoopback: true},
			Apple: Apple{BundleID: "com.example.homekeep", AppAppleID: 1234567890},
			Google: Google{PackageName: "app.homekeep", Credentials: []byte(`{"type":"service_account"}`),
				PubSubAudience: "https://homekeep.example.com/api/webhooks/google/push",
				PubSubEmail:    "rtdn@hk.iam.gserviceaccount.com", PubSubSecret: strings.Repeat("s3cret", 6)},
		}, c)
	})

	t.Run("PushDefaultsAndFiles", func(t *testing.T) {
		t.Parallel()
		c, err := Load(env(nil))
		require.NoError(t, err)
		require.Equal(t, Push{APNsProduction: true, UnifiedPush: true}, c.Push, "only UnifiedPush, which needs no keys")
		require.Equal(t, Apple{AllowSandbox: true}, c.Apple, "Apple purchases off; Sandbox on once they are on (App Review buys there)")
		dir := t.TempDir()
		key, creds := filepath.Join(dir, "AuthKey.p8"), filepath.Join(dir, "firebase.json")
		require.NoError(t, os.WriteFile(key, []byte("-----BEGIN PRIVATE KEY-----"), 0o600))
		require.NoError(t, os.WriteFile(creds, []byte(`{"project_id":"p"}`), 0o600))
		c, err = Load(env(map[string]string{"APNS_KEY_FILE": key, "APNS_KEY_ID": "K", "APNS_TEAM_ID": "T", "APNS_TOPIC": "a.b",
			"FCM_CREDENTIALS_FILE": creds}))
		require.NoError(t, err)
		require.Equal(t, "-----BEGIN PRIVATE KEY-----", string(c.Push.APNsKey))
		require.Equal(t, `{"project_id":"p"}`, string(c.Push.FCMCredentials))
	})

	t.Run("PushRefusesHalfAChannelAndNeverEchoesASecret", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			env  map[string]string
			want string
		}{
			{map[string]string{"APNS_KEY_ID": "K"}, "APNs is configured by halves: set APNS_KEY or APNS_KEY_FILE, APNS_TEAM_ID, APNS_TOPIC too"},
			{map[string]string{"VAPID_PRIVATE_KEY": "s3cret"}, "VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY: set both, or neither (the server then makes a pair)"},
			{map[string]string{"VAPID_PUBLIC_KEY": "p", "VAPID_PRIVATE_KEY": "s3cret"}, "VAPID_SUBJECT: required with VAPID keys (mailto:ops@example.com)"},
			{map[string]string{"APNS_KEY_FILE": "/nonexistent/s3cret.p8"}, `APNS_KEY_FILE: want a readable file with the .p8 key, got "/nonexistent/s3cret.p8"`},
			{map[string]string{"GORUSH_URL": "gorush:8088"}, `GORUSH_URL: want an http or https URL such as http://gorush:8088, got "gorush:8088"`},
			{map[string]string{"GOOGLE_PLAY_CREDENTIALS": "s3cret"}, "GOOGLE_PLAY_PACKAGE_NAME and GOOGLE_PLAY_CREDENTIALS_FILE (or GOOGLE_PLAY_CREDENTIALS): set both, or neither"},
			{map[string]string{"GOOGLE_PUBSUB_AUDIENCE": "https://h.example.com"}, "GOOGLE_PUBSUB_AUDIENCE and GOOGLE_PUBSUB_EMAIL: set both, or neither"},
			{map[string]string{"GOOGLE_PUBSUB_SECRET": "s3cret"}, "GOOGLE_PUBSUB_SECRET: want at least 32 characters of letters, digits, -, _, . and ~ (openssl rand -hex 32)"},
		} {
			_, err := Load(env(tc.env))
			require.EqualError(t, err, tc.want)
			for _, name := range []string{"VAPID_PRIVATE_KEY", "GOOGLE_PLAY_CREDENTIALS", "GOOGLE_PUBSUB_SECRET"} {
				if v, ok := tc.env[name]; ok {
					require.NotContains(t, err.Error(), v)
				}
			}
		}
	})

	t.Run("CORSOriginsAreNormalisedOrigins", func(t *testing.T) {
		t.Parallel()
		c, err := Load(env(nil))
		require.NoError(t, err)
		require.Empty(t, c.CORSOrigins, "no CORS unless configured")
		c, err = Load(env(map[string]string{"CORS_ORIGINS": " https://App.Example.com/ , http://localhost:5173,,*"}))
		require.NoError(t, err)
		require.Equal(t, []string{"https://app.example.com", "http://localhost:5173", "*"}, c.CORSOrigins)
	})

	tests := []struct {
		name, env, value, want string
	}{
		{"RejectsNonNumericMaxConns", "DB_MAX_CONNS", "abc", `DB_MAX_CONNS: want a positive integer, got "abc"`},
		{"RejectsZeroMaxConns", "DB_MAX_CONNS", "0", `DB_MAX_CONNS: want a positive integer, got "0"`},
		{"RejectsNegativeMinConns", "DB_MIN_CONNS", "-1", `DB_MIN_CONNS: want a non-negative integer, got "-1"`},
		{"RejectsMinAboveMax", "DB_MIN_CONNS", "21", `DB_MIN_CONNS: want at most DB_MAX_CONNS (20), got "21"`},
		{"RejectsBadDuration", "DB_MAX_CONN_LIFETIME", "30", `DB_MAX_CONN_LIFETIME: want a positive duration such as 30s, 5m or 1h, got "30"`},
		{"RejectsUnknownPooler", "DB_POOLER", "pgpool", `DB_POOLER: want none or pgbouncer-transaction, got "pgpool"`},
		{"RejectsNonBooleanPoolerPrepared", "DB_POOLER_PREPARED", "maybe", `DB_POOLER_PREPARED: want true or false, got "maybe"`},
		{"RejectsUnknownLogLevel", "LOG_LEVEL", "loud", `LOG_LEVEL: want debug, info, warn or error, got "loud"`},
		{"RejectsUnknownLogFormat", "LOG_FORMAT", "xml", `LOG_FORMAT: want text or json, got "xml"`},
		{"RejectsValkeyURLWithoutScheme", "VALKEY_URL", "localhost:6379", `VALKEY_URL: want a URL such as redis://host:6379/0, got "localhost:6379"`},
		{"RejectsBadProxyCIDR", "TRUSTED_PROXIES", "10.0.0.0/99", `TRUSTED_PROXIES: want comma-separated CIDRs such as 10.0.0.0/8,::1/128, got "10.0.0.0/99"`},
		{"RejectsZeroBodyLimit", "HTTP_BODY_LIMIT", "0", `HTTP_BODY_LIMIT: want a positive integer (bytes), got "0"`},
		{"RejectsNonSMTPURL", "SMTP_URL", "http://mail", `SMTP_URL: want a URL such as smtp://user:pass@host:587 or smtps://host:465, got "http://mail"`},
		{"RejectsMailFromWithoutAddress", "MAIL_FROM", "Homekeep", `MAIL_FROM: want an address such as Homekeep <no-reply@example.com>, got "Homekeep"`},
		{"RejectsPublicURLWithoutScheme", "PUBLIC_URL", "homekeep.example.com", `PUBLIC_URL: want an http or https URL such as https://homekeep.example.com, got "homekeep.example.com"`},
		{"RejectsPublicURLWithQuery", "PUBLIC_URL", "https://h.example.com/?a=1", `PUBLIC_URL: want an http or https URL such as https://homekeep.example.com, got "https://h.example.com/?a=1"`},
		{"RejectsZeroUserCacheSize", "USER_CACHE_SIZE", "0", `USER_CACHE_SIZE: want a positive integer, got "0"`},
		{"RejectsZeroUploadSize", "MAX_UPLOAD_SIZE", "0", `MAX_UPLOAD_SIZE: want a positive integer (bytes), got "0"`},
		{"RejectsNegativeBoardCacheSize", "BOARD_CACHE_SIZE", "-1", `BOARD_CACHE_SIZE: want a non-negative integer (bytes), got "-1"`},
		{"RejectsUnknownStorageScheme", "FILE_STORAGE_URL", "gs://bucket", `FILE_STORAGE_URL: want a directory, file:///absolute/dir or s3://bucket?region=…, got "gs://bucket"`},
		{"RejectsS3WithoutBucket", "FILE_STORAGE_URL", "s3://", `FILE_STORAGE_URL: want a directory, file:///absolute/dir or s3://bucket?region=…, got "s3://"`},
		{"RejectsCORSOriginWithPath", "CORS_ORIGINS", "https://app.example.com/login", `CORS_ORIGINS: want comma-separated origins such as https://app.example.com,http://localhost:5173, got "https://app.example.com/login"`},
		{"RejectsCORSOriginWithoutScheme", "CORS_ORIGINS", "app.example.com", `CORS_ORIGINS: want comma-separated origins such as https://app.example.com,http://localhost:5173, got "app.example.com"`},
		{"RejectsWorkersNotABoolean", "WORKERS", "sometimes", `WORKERS: want true or false, got "sometimes"`},
		{"RejectsNonNumericAppAppleID", "APPLE_APP_APPLE_ID", "homekeep", `APPLE_APP_APPLE_ID: want a positive integer, got "homekeep"`},
		{"RejectsAllowSandboxNotABoolean", "APPLE_ALLOW_SANDBOX", "maybe", `APPLE_ALLOW_SANDBOX: want true or false, got "maybe"`},
		{"RejectsNegativeReminderGrace", "REMINDER_GRACE", "-1h", `REMINDER_GRACE: want a positive duration such as 30s, 5m or 1h, got "-1h"`},
		{"RejectsNegativeShutdownTimeout", "SHUTDOWN_TIMEOUT", "-5s", `SHUTDOWN_TIMEOUT: want a positive duration such as 30s, 5m or 1h, got "-5s"`},
		{"RejectsNegativeShutdownDelay", "SHUTDOWN_DELAY", "-1s", `SHUTDOWN_DELAY: want a duration such as 5s, or 0 for none, got "-1s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(env(map[string]string{tt.env: tt.value}))
			require.Error(t, err, "%s=%q must be rejected", tt.env, tt.value)
			require.Equal(t, tt.want, err.Error())
			require.NotContains(t, err.Error(), "\n", "the start-up error is one line")
		})
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	u := Usage()
	for _, s := range Settings {
		require.Contains(t, u, s.Env, "--help must list every setting")
		if s.Default != "" {
			require.Contains(t, u, s.Default, "--help must show the default of %s", s.Env)
		}
	}
	require.True(t, strings.HasPrefix(u, "Environment variables:"), "got %q", u[:40])
}

// Package config reads Homekeep's settings from environment variables and validates them before anything
// starts, so a typo stops the process with one line that names the variable instead of failing later.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Pooler values for DB_POOLER.
const (
	// PoolerNone means Homekeep talks to PostgreSQL directly.
	PoolerNone = "none"
	// PoolerPgBouncerTransaction means a transaction-mode pooler sits in front of PostgreSQL, so no session
	// state (named prepared statements, statement caches) may be relied on.
	PoolerPgBouncerTransaction = "pgbouncer-transaction"
)

// Config is every setting the server reads. Load fills it from the environment; the zero value is not useful.
type Config struct {
	DatabaseURL string
	// DatabaseDirectURL reaches PostgreSQL itself when DatabaseURL goes through a transaction-mode pooler:
	// migrations run on it, since their lock is a session-level advisory lock. Empty: DatabaseURL.
	DatabaseDirectURL string
	ValkeyURL         string

	HTTPAddr         string
	HTTPReadTimeout  time.Duration
	HTTPWriteTimeout time.Duration
	HTTPIdleTimeout  time.Duration
	// RequestTimeout bounds the work of each request (its context): a PostgreSQL or Valkey that answers too
	// slowly gets the request a 503 within it, and the connection back to the pool, instead of a client
	// that waits for HTTP_WRITE_TIMEOUT and a pool whose connections all wait with it.
	RequestTimeout time.Duration
	HTTPBodyLimit  int64
	TrustedProxies []netip.Prefix
	// CORSOrigins are the browser origins (scheme://host[:port], or "*") allowed to call the API from
	// another origin; empty means no CORS headers at all.
	CORSOrigins []string

	DBMaxConns        int32
	DBMinConns        int32
	DBMaxConnLifetime time.Duration
	DBMaxConnIdleTime time.Duration
	DBPooler          string
	// DBPoolerPrepared: the transaction pooler keeps protocol-level prepared statements (PgBouncer 1.21+
	// with max_prepared_statements), so the hot statements are prepared behind it too.
	DBPoolerPrepared bool
	// DBPlanCacheMode is PostgreSQL's plan_cache_mode on every connection; empty keeps the server's.
	DBPlanCacheMode string

	CacheKeyPrefix string
	// ValkeyTimeout bounds each Valkey call; after a connection failure calls skip Valkey for a second.
	ValkeyTimeout time.Duration
	TokenCacheTTL time.Duration
	UserCacheSize int32
	UserCacheTTL  time.Duration
	// BoardCacheSize bounds the built boards each process keeps, in bytes; 0 keeps none.
	BoardCacheSize int64

	SMTPURL          string
	MailFrom         string
	AuthRateLimit    int32
	Argon2MemoryKiB  int32
	Argon2Iterations int32

	// FileStorageURL is where uploaded files are kept: file:///absolute/dir, s3://bucket?region=… or mem://.
	FileStorageURL string
	// MaxUploadSize is the largest accepted file, in bytes.
	MaxUploadSize int64

	// Workers runs the background job workers in `homekeep serve`; without them serve only inserts jobs, and
	// `homekeep worker` processes run them.
	Workers bool
	// ReminderGrace is how long after a user's reminder hour a reminder missed while no planner ran is still
	// written to the feed; later it is dropped.
	ReminderGrace time.Duration
	// PublicURL is the server's address as users' browsers reach it; links in emails start with it.
	PublicURL string

	// Push holds the push channels' settings; a channel whose required settings are unset is off.
	Push Push
	// Apple holds the App Store purchases' settings; without a bundle id, Apple purchases are off.
	Apple Apple
	// Google holds the Google Play purchases' settings; without a package name and credentials, Google
	// purchases are off.
	Google Google

	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	// ShutdownDelay is how long, after SIGTERM, serve keeps its listener open and answers every request (with
	// Connection: close) while /readyz says draining, so a load balancer stops sending before the listener
	// closes. serve --embedded-postgres (make run) uses 0 unless SHUTDOWN_DELAY is set.
	ShutdownDelay time.Duration

	// MetricsAddr is where Prometheus metrics are served: empty on the main listener at /metrics, an address
	// for a listener of their own (then not on the main one), MetricsOff for none at all.
	MetricsAddr string

	// OTLPEndpoint is the collector traces are exported to (OTEL_EXPORTER_OTLP_ENDPOINT); empty means tracing
	// off. The OpenTelemetry SDK reads it and the other OTEL_* variables itself (package telemetry); it is
	// here so that a malformed URL stops start-up with the variable's name, and `homekeep --help` lists it.
	OTLPEndpoint string
}

// MetricsOff is the METRICS_ADDR value that turns metrics off.
const MetricsOff = "off"

// Push is the push channels' configuration (README: Push). Secrets (APNs' key, FCM's service account, the
// VAPID private key) come from the environment or from files and are never logged or echoed in errors.
type Push struct {
	// GorushURL turns the Gorush channel (ios, android) on.
	GorushURL      string
	GorushIOSTopic string
	// APNsKey is the .p8 key's PEM (APNS_KEY, or read from APNS_KEY_FILE); with APNsKeyID, APNsTeamID and
	// APNsTopic it turns APNs direct (ios) on.
	APNsKey        []byte
	APNsKeyID      string
	APNsTeamID     string
	APNsTopic      string
	APNsProduction bool
	// FCMCredentials is the service-account JSON (FCM_CREDENTIALS, or read from FCM_CREDENTIALS_FILE); it
	// turns FCM (android) on.
	FCMCredentials []byte
	FCMProjectID   string
	// VAPIDSubject turns Web Push (web) on; the keys are VAPIDPublicKey and VAPIDPrivateKey, or, both unset,
	// the pair the server generates once and keeps in its database.
	VAPIDSubject    string
	VAPIDPublicKey  string
	VAPIDPrivateKey string
	// UnifiedPush turns the UnifiedPush channel (unifiedpush) on; it needs no keys.
	UnifiedPush bool
	// AllowInsecureLoopback lets Web Push and UnifiedPush endpoints on the loopback interface, over http
	// too, through the endpoint guard: for development only.
	AllowInsecureLoopback bool
}

// Apple is how App Store purchases are verified (README: Subscriptions).
type Apple struct {
	// BundleID is the iOS app's bundle identifier that every signed transaction and notification must name;
	// empty turns Apple purchases off (the endpoints answer 503 store_not_configured).
	BundleID string
	// AppAppleID is the app's Apple ID in App Store Connect, which production notifications must name; 0
	// skips the check.
	AppAppleID int64
	// AllowSandbox accepts Sandbox purchases and notifications: App Review and TestFlight buy there.
	AllowSandbox bool
}

// Google is how Google Play purchases are checked and how Play's notifications are authenticated (README:
// Subscriptions).
type Google struct {
	// PackageName is the Android app's application id; with Credentials it turns Google purchases on.
	PackageName string
	// Credentials is the publisher's service-account JSON (GOOGLE_PLAY_CREDENTIALS, or read from
	// GOOGLE_PLAY_CREDENTIALS_FILE), which reads and acknowledges purchases. A secret.
	Credentials []byte
	// PubSubAudience and PubSubEmail authenticate a push by the OIDC token Pub/Sub signs: the push
	// subscription's audience and its service account.
	PubSubAudience, PubSubEmail string
	// PubSubSecret authenticates a push by its path segment (POST /webhooks/google/{secret}). A secret.
	PubSubSecret string
}

// On reports whether Google purchases are on: a package name and credentials.
func (g Google) On() bool { return g.PackageName != "" && len(g.Credentials) > 0 }

// secretSettings are never echoed in Load's errors.
var secretSettings = map[string]bool{"APNS_KEY": true, "FCM_CREDENTIALS": true, "VAPID_PRIVATE_KEY": true,
	"GOOGLE_PLAY_CREDENTIALS": true, "GOOGLE_PUBSUB_SECRET": true}

// Setting describes one environment variable: its name, default and meaning. Settings is the single list
// that Load parses and the --help text prints, so documentation cannot drift from behaviour.
type Setting struct {
	Env     string
	Default string
	Help    string
	parse   func(c *Config, v string) error
}

// Settings lists every environment variable Homekeep reads, in the order --help shows them.
var Settings = []Setting{
	{"DATABASE_URL", "", "PostgreSQL URL; `make run` starts a private cluster under ./.data/postgres when unset",
		func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
	{"DATABASE_DIRECT_URL", "", "PostgreSQL itself, when DATABASE_URL goes through a transaction-mode pooler: pending migrations are applied over it (their lock is a session lock); unset behind such a pooler, serve refuses to migrate and says so",
		func(c *Config, v string) error { c.DatabaseDirectURL = v; return nil }},
	{"VALKEY_URL", "", "Valkey/Redis URL (redis://host:6379/0); unset: in-process caches only",
		parseValkeyURL},
	{"HTTP_ADDR", ":8080", "address the HTTP server listens on",
		func(c *Config, v string) error { c.HTTPAddr = v; return nil }},
	{"HTTP_READ_TIMEOUT", "15s", "longest time to read a whole request, body included",
		durationInto(func(c *Config) *time.Duration { return &c.HTTPReadTimeout })},
	{"HTTP_WRITE_TIMEOUT", "30s", "longest time to write a response",
		durationInto(func(c *Config) *time.Duration { return &c.HTTPWriteTimeout })},
	{"HTTP_IDLE_TIMEOUT", "120s", "how long an idle keep-alive connection stays open",
		durationInto(func(c *Config) *time.Duration { return &c.HTTPIdleTimeout })},
	{"REQUEST_TIMEOUT", "5s", "longest time an API request may work (database and Valkey calls included) before it is answered 503 unavailable; file uploads and downloads have their own longer deadline",
		durationInto(func(c *Config) *time.Duration { return &c.RequestTimeout })},
	{"HTTP_BODY_LIMIT", "1048576", "largest accepted JSON request body, in bytes",
		func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return errors.New("want a positive integer (bytes)")
			}
			c.HTTPBodyLimit = n
			return nil
		}},
	{"TRUSTED_PROXIES", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
		"comma-separated CIDRs whose X-Forwarded-For / X-Real-IP headers are believed; `none`: trust no proxy",
		parseTrustedProxies},
	{"CORS_ORIGINS", "",
		"comma-separated browser origins allowed to call the API (https://app.example.com; * for any); unset: no CORS headers",
		parseCORSOrigins},
	{"DB_MAX_CONNS", "20", "most PostgreSQL connections this process opens",
		int32Into(func(c *Config) *int32 { return &c.DBMaxConns }, 1)},
	{"DB_MIN_CONNS", "10", "connections opened and pinged before the listener opens, and kept open",
		int32Into(func(c *Config) *int32 { return &c.DBMinConns }, 0)},
	{"DB_MAX_CONN_LIFETIME", "30m", "a connection older than this is replaced (with jitter)",
		durationInto(func(c *Config) *time.Duration { return &c.DBMaxConnLifetime })},
	{"DB_MAX_CONN_IDLE_TIME", "30m", "idle connections above DB_MIN_CONNS are closed after this",
		durationInto(func(c *Config) *time.Duration { return &c.DBMaxConnIdleTime })},
	{"DB_POOLER", PoolerNone, "none | pgbouncer-transaction (no session state is used behind a transaction pooler)",
		func(c *Config, v string) error {
			if v != PoolerNone && v != PoolerPgBouncerTransaction {
				return errors.New("want none or pgbouncer-transaction")
			}
			c.DBPooler = v
			return nil
		}},
	{"DB_POOLER_PREPARED", "false",
		"true with DB_POOLER=pgbouncer-transaction when the pooler keeps protocol-level prepared statements (PgBouncer 1.21+ with max_prepared_statements > 0): the hot reads are prepared behind it as they are directly (no parse or plan per request); a pooler without that support fails those reads",
		func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("want true or false")
			}
			c.DBPoolerPrepared = b
			return nil
		}},
	{"DB_PLAN_CACHE_MODE", "force_generic_plan",
		"PostgreSQL's plan_cache_mode for this process's connections: force_generic_plan plans each hot statement once per connection, before it serves; auto (PostgreSQL's default) plans the first five executions of each with their arguments; server: send nothing (ignored with DB_POOLER=pgbouncer-transaction)",
		func(c *Config, v string) error {
			switch v {
			case "force_generic_plan", "auto", "force_custom_plan":
				c.DBPlanCacheMode = v
			case "server":
				c.DBPlanCacheMode = ""
			default:
				return errors.New("want force_generic_plan, auto, force_custom_plan or server")
			}
			return nil
		}},
	{"VALKEY_TIMEOUT", "500ms", "longest wait for one Valkey call; a slower answer counts as Valkey being down (requests go to PostgreSQL for a second)",
		durationInto(func(c *Config) *time.Duration { return &c.ValkeyTimeout })},
	{"CACHE_KEY_PREFIX", "", "prefix for every Valkey key and channel, to share one Valkey between deployments",
		func(c *Config, v string) error { c.CacheKeyPrefix = v; return nil }},
	{"TOKEN_CACHE_TTL", "1h", "how long a token → user mapping stays in Valkey",
		durationInto(func(c *Config) *time.Duration { return &c.TokenCacheTTL })},
	{"USER_CACHE_SIZE", "5000", "most users each process keeps in memory",
		int32Into(func(c *Config) *int32 { return &c.UserCacheSize }, 1)},
	{"USER_CACHE_TTL", "5m", "how long a process keeps a user in memory",
		durationInto(func(c *Config) *time.Duration { return &c.UserCacheTTL })},
	{"BOARD_CACHE_SIZE", "16777216", "bytes of built boards each process keeps, served without SQL while their residences are unchanged; 0 keeps none",
		func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return errors.New("want a non-negative integer (bytes)")
			}
			c.BoardCacheSize = n
			return nil
		}},
	{"SMTP_URL", "", "smtp://user:pass@host:587 or smtps://user:pass@host:465; unset: emails are written to the log",
		func(c *Config, v string) error {
			if v != "" && !strings.HasPrefix(v, "smtp://") && !strings.HasPrefix(v, "smtps://") {
				return errors.New("want a URL such as smtp://user:pass@host:587 or smtps://host:465")
			}
			c.SMTPURL = v
			return nil
		}},
	{"MAIL_FROM", "Homekeep <no-reply@localhost>", "sender of account emails",
		func(c *Config, v string) error {
			if !strings.Contains(v, "@") {
				return errors.New("want an address such as Homekeep <no-reply@example.com>")
			}
			c.MailFrom = v
			return nil
		}},
	{"AUTH_RATE_LIMIT", "10", "attempts per minute per IP and per email at login, forgot-password, verify-reset-code and verify-email",
		int32Into(func(c *Config) *int32 { return &c.AuthRateLimit }, 1)},
	{"ARGON2_MEMORY_KIB", "19456", "argon2id memory per password hash in KiB (raising it upgrades hashes at next sign-in)",
		int32Into(func(c *Config) *int32 { return &c.Argon2MemoryKiB }, 1)},
	{"ARGON2_ITERATIONS", "2", "argon2id passes per password hash",
		int32Into(func(c *Config) *int32 { return &c.Argon2Iterations }, 1)},
	{"FILE_STORAGE_URL", "./.data/files",
		"where uploaded files are kept: a directory (created at start), file:///absolute/dir, or s3://bucket?region=… for S3 (credentials from the usual AWS sources)",
		parseFileStorageURL},
	{"MAX_UPLOAD_SIZE", "26214400", "largest accepted uploaded file, in bytes (413 beyond)",
		func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return errors.New("want a positive integer (bytes)")
			}
			c.MaxUploadSize = n
			return nil
		}},
	{"WORKERS", "true",
		"true: `homekeep serve` also runs the background jobs (account emails, notification push and email, the reminder planner, the orphan-file sweep, revocation delivery, the reminder ledger purge); false: it only queues them, for `homekeep worker` processes to run",
		func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("want true or false")
			}
			c.Workers = b
			return nil
		}},
	{"REMINDER_GRACE", "12h",
		"how long after a user's reminder hour a reminder missed while no worker ran (an outage) is still written; after it, it is dropped",
		durationInto(func(c *Config) *time.Duration { return &c.ReminderGrace })},
	{"PUBLIC_URL", "http://localhost:8080",
		"the server's address as users' browsers reach it (https://homekeep.example.com); the unsubscribe links in notification emails start with it",
		func(c *Config, v string) error {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
				return errors.New("want an http or https URL such as https://homekeep.example.com")
			}
			c.PublicURL = strings.TrimRight(v, "/")
			return nil
		}},
	{"GORUSH_URL", "", "Gorush server (http://gorush:8088) that pushes to iOS and Android with the app publisher's keys; unset: no Gorush (README: Push)",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return errors.New("want an http or https URL such as http://gorush:8088")
			}
			c.Push.GorushURL = strings.TrimRight(v, "/")
			return nil
		}},
	{"GORUSH_IOS_TOPIC", "", "the iOS app's bundle id, sent with each iOS push through Gorush (needed when Gorush uses a .p8 key)",
		func(c *Config, v string) error { c.Push.GorushIOSTopic = v; return nil }},
	{"APNS_KEY_FILE", "", "path of the APNs .p8 signing key (or APNS_KEY: the PEM itself); with APNS_KEY_ID, APNS_TEAM_ID and APNS_TOPIC turns APNs direct on",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			b, err := os.ReadFile(v) //nolint:gosec // G304: the operator names the file
			if err != nil {
				return errors.New("want a readable file with the .p8 key")
			}
			c.Push.APNsKey = b
			return nil
		}},
	{"APNS_KEY", "", "the APNs .p8 signing key's PEM (a secret; APNS_KEY_FILE is the usual way)",
		func(c *Config, v string) error {
			if v != "" {
				c.Push.APNsKey = []byte(v)
			}
			return nil
		}},
	{"APNS_KEY_ID", "", "the .p8 key's 10-character id", func(c *Config, v string) error { c.Push.APNsKeyID = v; return nil }},
	{"APNS_TEAM_ID", "", "the Apple developer team id", func(c *Config, v string) error { c.Push.APNsTeamID = v; return nil }},
	{"APNS_TOPIC", "", "the iOS app's bundle id", func(c *Config, v string) error { c.Push.APNsTopic = v; return nil }},
	{"APNS_ENVIRONMENT", "production", "production | sandbox (development builds of the app have sandbox tokens)",
		func(c *Config, v string) error {
			if v != "production" && v != "sandbox" {
				return errors.New("want production or sandbox")
			}
			c.Push.APNsProduction = v == "production"
			return nil
		}},
	{"FCM_CREDENTIALS_FILE", "", "path of the Firebase service-account JSON (or FCM_CREDENTIALS: the JSON itself); turns FCM HTTP v1 on",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			b, err := os.ReadFile(v) //nolint:gosec // G304: the operator names the file
			if err != nil {
				return errors.New("want a readable file with the service-account JSON")
			}
			c.Push.FCMCredentials = b
			return nil
		}},
	{"FCM_CREDENTIALS", "", "the Firebase service-account JSON (a secret; FCM_CREDENTIALS_FILE is the usual way)",
		func(c *Config, v string) error {
			if v != "" {
				c.Push.FCMCredentials = []byte(v)
			}
			return nil
		}},
	{"FCM_PROJECT_ID", "", "Firebase project to send through; unset: the service account's", func(c *Config, v string) error { c.Push.FCMProjectID = v; return nil }},
	{"VAPID_SUBJECT", "", "mailto: or https: contact for Web Push services (mailto:ops@example.com); turns Web Push on",
		func(c *Config, v string) error {
			if v != "" && !strings.HasPrefix(v, "mailto:") && !strings.HasPrefix(v, "https://") {
				return errors.New("want a mailto: or https: URL such as mailto:ops@example.com")
			}
			c.Push.VAPIDSubject = v
			return nil
		}},
	{"VAPID_PUBLIC_KEY", "", "Web Push VAPID public key (base64url); unset with VAPID_PRIVATE_KEY: generated once and kept in the database",
		func(c *Config, v string) error { c.Push.VAPIDPublicKey = v; return nil }},
	{"VAPID_PRIVATE_KEY", "", "Web Push VAPID private key (a secret, base64url)",
		func(c *Config, v string) error { c.Push.VAPIDPrivateKey = v; return nil }},
	{"UNIFIEDPUSH", "true", "true: push to UnifiedPush endpoints (ntfy and other distributors; no keys needed); false: off",
		func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("want true or false")
			}
			c.Push.UnifiedPush = b
			return nil
		}},
	{"PUSH_ALLOW_INSECURE_LOOPBACK", "false", "true lets Web Push and UnifiedPush endpoints on this machine (http://127.0.0.1:…) through; for development only",
		func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("want true or false")
			}
			c.Push.AllowInsecureLoopback = b
			return nil
		}},
	{"APPLE_BUNDLE_ID", "", "the iOS app's bundle id that App Store purchases must name; unset: Apple purchases off (README: Subscriptions)",
		func(c *Config, v string) error { c.Apple.BundleID = v; return nil }},
	{"APPLE_APP_APPLE_ID", "", "the app's Apple ID in App Store Connect (a number), checked on production notifications; unset: not checked",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return errors.New("want a positive integer")
			}
			c.Apple.AppAppleID = n
			return nil
		}},
	{"APPLE_ALLOW_SANDBOX", "true", "true accepts Sandbox purchases (App Review and TestFlight buy there); false: production only",
		func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("want true or false")
			}
			c.Apple.AllowSandbox = b
			return nil
		}},
	{"GOOGLE_PLAY_PACKAGE_NAME", "", "the Android app's application id; with the credentials turns Google Play purchases on (README: Subscriptions)",
		func(c *Config, v string) error { c.Google.PackageName = v; return nil }},
	{"GOOGLE_PLAY_CREDENTIALS_FILE", "", "path of the publisher's service-account JSON that reads and acknowledges Play purchases (or GOOGLE_PLAY_CREDENTIALS: the JSON itself)",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			b, err := os.ReadFile(v) //nolint:gosec // G304: the operator names the file
			if err != nil {
				return errors.New("want a readable file with the service-account JSON")
			}
			c.Google.Credentials = b
			return nil
		}},
	{"GOOGLE_PLAY_CREDENTIALS", "", "the publisher's service-account JSON (a secret; GOOGLE_PLAY_CREDENTIALS_FILE is the usual way)",
		func(c *Config, v string) error {
			if v != "" {
				c.Google.Credentials = []byte(v)
			}
			return nil
		}},
	{"GOOGLE_PUBSUB_AUDIENCE", "", "the audience of the Pub/Sub push subscription's OIDC token; with GOOGLE_PUBSUB_EMAIL authenticates Play's notifications",
		func(c *Config, v string) error { c.Google.PubSubAudience = v; return nil }},
	{"GOOGLE_PUBSUB_EMAIL", "", "the service account the Pub/Sub push subscription's token is issued for",
		func(c *Config, v string) error {
			if v != "" && !strings.Contains(v, "@") {
				return errors.New("want a service account's email")
			}
			c.Google.PubSubEmail = v
			return nil
		}},
	{"GOOGLE_PUBSUB_SECRET", "", "a secret path segment of at least 32 URL-safe characters authenticating Play's notifications (POST /webhooks/google/{secret}) without a token",
		func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			if len(v) < 32 || strings.ContainsFunc(v, func(r rune) bool { return !urlSafe(r) }) {
				return errors.New("want at least 32 characters of letters, digits, -, _, . and ~ (openssl rand -hex 32)")
			}
			c.Google.PubSubSecret = v
			return nil
		}},
	{"LOG_LEVEL", "info", "debug | info | warn | error",
		func(c *Config, v string) error {
			switch v {
			case "debug", "info", "warn", "error":
				c.LogLevel = v
				return nil
			}
			return errors.New("want debug, info, warn or error")
		}},
	{"LOG_FORMAT", "text", "text | json",
		func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return errors.New("want text or json")
			}
			c.LogFormat = v
			return nil
		}},
	{"METRICS_ADDR", "", "where Prometheus metrics are served: unset, /metrics on HTTP_ADDR; host:port, a listener of their own (and not on HTTP_ADDR); off: none",
		func(c *Config, v string) error {
			if v != "" && v != MetricsOff {
				if _, _, err := net.SplitHostPort(v); err != nil {
					return errors.New("want host:port, :port or off")
				}
			}
			c.MetricsAddr = v
			return nil
		}},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "", "OTLP/HTTP collector traces are sent to, e.g. http://127.0.0.1:4318 (Jaeger); unset: tracing off. The other OTEL_* variables are honoured too (README: Observability)",
		func(c *Config, v string) error {
			if v != "" {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return errors.New("want an http:// or https:// URL such as http://127.0.0.1:4318")
				}
			}
			c.OTLPEndpoint = v
			return nil
		}},
	{"SHUTDOWN_TIMEOUT", "15s", "how long shutdown waits for in-flight requests, and for running jobs, before closing connections",
		durationInto(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{"SHUTDOWN_DELAY", "5s", "after SIGTERM, how long serve goes on answering (/readyz 503 draining, every response Connection: close) before it closes its listener and waits SHUTDOWN_TIMEOUT for in-flight requests, so a load balancer stops sending first; 0: no delay; a second signal skips it. `serve --embedded-postgres` (make run) uses 0 unless it is set",
		func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return errors.New("want a duration such as 5s, or 0 for none")
			}
			c.ShutdownDelay = d
			return nil
		}},
}

// Load builds a Config from lookup (os.LookupEnv in production). An empty variable counts as unset. The error
// names the first bad variable and the form it accepts, e.g. `DB_MAX_CONNS: want a positive integer, got "abc"`.
func Load(lookup func(string) (string, bool)) (Config, error) {
	var c Config
	for _, s := range Settings {
		v, ok := lookup(s.Env)
		v = strings.TrimSpace(v)
		if !ok || v == "" {
			v = s.Default
		}
		if v == "" && s.Default == "" {
			if err := s.parse(&c, ""); err != nil {
				return Config{}, fmt.Errorf("%s: %w", s.Env, err)
			}
			continue
		}
		if err := s.parse(&c, v); err != nil {
			if secretSettings[s.Env] {
				return Config{}, fmt.Errorf("%s: %s", s.Env, err.Error())
			}
			return Config{}, fmt.Errorf("%s: %s, got %q", s.Env, err.Error(), v)
		}
	}
	if err := c.Push.check(); err != nil {
		return Config{}, err
	}
	if err := c.Google.check(); err != nil {
		return Config{}, err
	}
	if c.DBMinConns > c.DBMaxConns {
		return Config{}, fmt.Errorf("DB_MIN_CONNS: want at most DB_MAX_CONNS (%d), got %q", c.DBMaxConns,
			strconv.Itoa(int(c.DBMinConns)))
	}
	return c, nil
}

// Usage returns the settings table that --help prints: each variable, its default and what it does.
func Usage() string {
	var b strings.Builder
	b.WriteString("Environment variables:\n")
	for _, s := range Settings {
		def := s.Default
		if def == "" {
			def = "(unset)"
		}
		fmt.Fprintf(&b, "  %-22s default %s\n      %s\n", s.Env, def, s.Help)
	}
	return b.String()
}

func durationInto(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("want a positive duration such as 30s, 5m or 1h")
		}
		*field(c) = d
		return nil
	}
}

func int32Into(field func(*Config) *int32, minimum int32) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || int32(n) < minimum {
			if minimum > 0 {
				return errors.New("want a positive integer")
			}
			return errors.New("want a non-negative integer")
		}
		*field(c) = int32(n)
		return nil
	}
}

func parseValkeyURL(c *Config, v string) error {
	if v == "" {
		return nil
	}
	if !strings.HasPrefix(v, "redis://") && !strings.HasPrefix(v, "rediss://") &&
		!strings.HasPrefix(v, "valkey://") && !strings.HasPrefix(v, "valkeys://") && !strings.HasPrefix(v, "unix://") {
		return errors.New("want a URL such as redis://host:6379/0")
	}
	c.ValkeyURL = v
	return nil
}

func parseTrustedProxies(c *Config, v string) error {
	c.TrustedProxies = nil
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" || part == "none" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			addr, aerr := netip.ParseAddr(part)
			if aerr != nil {
				return errors.New("want comma-separated CIDRs such as 10.0.0.0/8,::1/128")
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	return nil
}

// parseCORSOrigins accepts origins as browsers send them in the Origin header: a scheme (http or https), a
// host and an optional port, nothing else. A trailing slash is dropped, since it is easy to paste and
// browsers never send one; anything more (a path, a query) is refused, as it could never match.
func parseCORSOrigins(c *Config, v string) error {
	c.CORSOrigins = nil
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSuffix(strings.TrimSpace(part), "/")
		if part == "" {
			continue
		}
		if part == "*" {
			c.CORSOrigins = append(c.CORSOrigins, part)
			continue
		}
		u, err := url.Parse(part)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(part, "?") || strings.HasSuffix(part, "#") {
			return errors.New("want comma-separated origins such as https://app.example.com,http://localhost:5173")
		}
		c.CORSOrigins = append(c.CORSOrigins, strings.ToLower(u.Scheme+"://"+u.Host))
	}
	return nil
}

// parseFileStorageURL accepts a storage URL or a directory, which becomes a file:// URL of its absolute path.
func parseFileStorageURL(c *Config, v string) error {
	const want = "want a directory, file:///absolute/dir or s3://bucket?region=…"
	if !strings.Contains(v, "://") {
		abs, err := filepath.Abs(v)
		if err != nil {
			return errors.New(want)
		}
		c.FileStorageURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
		return nil
	}
	u, err := url.Parse(v)
	if err != nil {
		return errors.New(want)
	}
	switch {
	case u.Scheme == "file" && strings.HasPrefix(u.Path, "/"), u.Scheme == "s3" && u.Host != "", u.Scheme == "mem":
		c.FileStorageURL = v
		return nil
	}
	return errors.New(want)
}

// check refuses a channel configured by halves: an operator who set some of APNs' settings meant APNs on.
func (p Push) check() error {
	apns := map[string]bool{"APNS_KEY or APNS_KEY_FILE": len(p.APNsKey) > 0, "APNS_KEY_ID": p.APNsKeyID != "",
		"APNS_TEAM_ID": p.APNsTeamID != "", "APNS_TOPIC": p.APNsTopic != ""}
	set, missing := 0, []string{}
	for _, name := range []string{"APNS_KEY or APNS_KEY_FILE", "APNS_KEY_ID", "APNS_TEAM_ID", "APNS_TOPIC"} {
		if apns[name] {
			set++
		} else {
			missing = append(missing, name)
		}
	}
	if set > 0 && len(missing) > 0 {
		return fmt.Errorf("APNs is configured by halves: set %s too", strings.Join(missing, ", "))
	}
	if (p.VAPIDPublicKey == "") != (p.VAPIDPrivateKey == "") {
		return errors.New("VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY: set both, or neither (the server then makes a pair)")
	}
	if p.VAPIDPublicKey != "" && p.VAPIDSubject == "" {
		return errors.New("VAPID_SUBJECT: required with VAPID keys (mailto:ops@example.com)")
	}
	return nil
}

// check refuses Google Play configured by halves: a package name without credentials or the other way
// round, or one of the push token's two settings without the other.
func (g Google) check() error {
	if (g.PackageName == "") != (len(g.Credentials) == 0) {
		return errors.New("GOOGLE_PLAY_PACKAGE_NAME and GOOGLE_PLAY_CREDENTIALS_FILE (or GOOGLE_PLAY_CREDENTIALS): set both, or neither")
	}
	if (g.PubSubAudience == "") != (g.PubSubEmail == "") {
		return errors.New("GOOGLE_PUBSUB_AUDIENCE and GOOGLE_PUBSUB_EMAIL: set both, or neither")
	}
	return nil
}

// urlSafe reports whether r is an unreserved URI character (RFC 3986), which a path segment holds as it is.
func urlSafe(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.~", r)
}

package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/db"
	"github.com/homekeep/homekeep/internal/migrate"
)

const (
	// envURL names the environment variable that points the tests at a PostgreSQL server.
	envURL = "TEST_DATABASE_URL"
	// defaultURL is used when envURL is unset; it matches the development setup (trust auth, local server).
	defaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

	// templatePrefix and clonePrefix make leftovers easy to recognise (and drop) in pg_database.
	templatePrefix = "homekeep_tpl_"
	clonePrefix    = "homekeep_test_"

	// templateFormat is mixed into the template hash; bump it when the way the template is built changes, so
	// templates built by older code are not reused.
	templateFormat = "homekeep testdb template v2 (river's migrations too)"

	// completeMarker is written as the template's comment as the very last step, so a template left half-built
	// by a crashed run is recognised and rebuilt.
	completeMarker = "homekeep testdb template: complete"

	// templateTimeout bounds waiting for the lock plus building the template.
	templateTimeout = 2 * time.Minute
	// opTimeout bounds creating or dropping one database.
	opTimeout = 30 * time.Second
)

// template builds (or finds) the template once per process; every later call returns the same result,
// including the same error, so a broken setup fails every test quickly with one clear message.
var template = sync.OnceValues(func() (string, error) {
	name, err := templateName(db.Migrations())
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), templateTimeout)
	defer cancel()
	if err := ensureTemplate(ctx, adminURL(), name); err != nil {
		return "", err
	}
	return name, nil
})

// New returns the URL of a new, empty-of-data database with every migration applied, for this test only.
// The database is dropped when the test and its subtests finish.
func New(t testing.TB) string {
	t.Helper()

	admin := adminURL()
	tpl, err := template()
	if err != nil {
		t.Fatalf("testdb: error preparing the template database (is PostgreSQL running at %s? set %s to change): %v",
			redact(admin), envURL, err)
	}

	name := clonePrefix + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := cloneTemplate(ctx, admin, tpl, name); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled when cleanups run, hence a fresh context.
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if err := dropDatabase(ctx, admin, name); err != nil {
			t.Errorf("testdb: %v", err)
		}
	})

	dbURL, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return dbURL
}

// Pool returns a connection pool on a new database from New. The pool is closed before the database is
// dropped.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()

	dbURL := New(t)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatalf("testdb: error opening a pool on the test database: %v", err)
	}
	// Registered after New's cleanup, so it runs before it (cleanups run last-in, first-out).
	t.Cleanup(pool.Close)
	return pool
}

// adminURL is the database New connects to in order to create and drop databases.
func adminURL() string {
	if u := os.Getenv(envURL); u != "" {
		return u
	}
	return defaultURL
}

// templateName derives the template's name from the migrations' file names and contents, so that a template
// is reused exactly as long as the migrations it was built from are unchanged.
func templateName(migrations fs.FS) (string, error) {
	h := sha256.New()
	h.Write([]byte(templateFormat))
	err := fs.WalkDir(migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(migrations, path)
		if err != nil {
			return err
		}
		// Length-prefix each part so that moving bytes between a name and a body changes the hash.
		for _, part := range [][]byte{[]byte(path), b} {
			_ = binary.Write(h, binary.BigEndian, uint64(len(part)))
			h.Write(part)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("error hashing the migrations: %w", err)
	}
	// River's migrations come with the river module: a new river version builds a new template.
	river, err := migrate.RiverMigrations()
	if err != nil {
		return "", err
	}
	for _, m := range river {
		for _, part := range [][]byte{[]byte(m.Name), []byte(m.SQLUp)} {
			_ = binary.Write(h, binary.BigEndian, uint64(len(part)))
			h.Write(part)
		}
	}
	return templatePrefix + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// ensureTemplate makes sure a complete template database called name exists, building it from the embedded
// migrations if not. It holds an advisory lock while it looks and builds, so concurrent test processes build
// it once.
func ensureTemplate(ctx context.Context, admin, name string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("error connecting to %s: %w", redact(admin), err)
	}
	defer conn.Close(context.Background())

	// The lock is per template name, so processes testing different migrations (other branches or worktrees
	// against the same server) do not wait for each other. Closing the connection releases it too.
	lockKey := advisoryKey(name)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return fmt.Errorf("error waiting for the template lock: %w", err)
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck // closing the connection releases it anyway

	var comment *string
	err = conn.QueryRow(ctx,
		"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name).Scan(&comment)
	switch {
	case err == nil && comment != nil && *comment == completeMarker:
		return nil
	case err == nil:
		// Left half-built by a run that crashed or was interrupted.
		if err := dropDatabase(ctx, admin, name); err != nil {
			return err
		}
	case errors.Is(err, pgx.ErrNoRows):
	default:
		return fmt.Errorf("error looking up the template database: %w", err)
	}

	if err := buildTemplate(ctx, conn, admin, name); err != nil {
		// Do not leave a half-built template for the next run to trip over.
		dropCtx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		_ = dropDatabase(dropCtx, admin, name)
		return err
	}
	return nil
}

// buildTemplate creates the template database, migrates it, closes every connection to it, and marks it
// complete.
func buildTemplate(ctx context.Context, conn *pgx.Conn, admin, name string) error {
	ident := pgx.Identifier{name}.Sanitize()
	// template0 rather than the default template1, which a server's administrator may have added objects to.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0"); err != nil {
		return fmt.Errorf("error creating the template database %s: %w", name, err)
	}

	tplURL, err := withDatabase(admin, name)
	if err != nil {
		return err
	}
	if err := migrateDatabase(ctx, tplURL); err != nil {
		return err
	}

	// A database anyone is connected to cannot be copied; refusing connections keeps stray ones (a developer's
	// psql, say) from breaking clones. The superuser creating clones is unaffected: copying does not connect.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" WITH ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("error closing the template database to connections: %w", err)
	}
	if _, err := conn.Exec(ctx, "COMMENT ON DATABASE "+ident+" IS '"+completeMarker+"'"); err != nil {
		return fmt.Errorf("error marking the template database complete: %w", err)
	}
	return nil
}

// migrateDatabase applies the embedded migrations (river's and Homekeep's) the way the server does.
func migrateDatabase(ctx context.Context, dbURL string) error {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("error opening the template database: %w", err)
	}
	// Closing the pool closes its connections, so the template is free to be copied afterwards.
	defer pool.Close()
	if _, err := migrate.UpIfPending(ctx, pool); err != nil {
		return fmt.Errorf("error migrating the template database: %w", err)
	}
	return nil
}

// cloneTemplate creates database name as a copy of template tpl. Postgres refuses to copy a database that
// has sessions, and the backend of a just-closed connection can linger for a moment, so "being accessed by
// other users" is retried.
func cloneTemplate(ctx context.Context, admin, tpl, name string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("error connecting to %s: %w", redact(admin), err)
	}
	defer conn.Close(context.Background())

	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{tpl}.Sanitize()
	backoff := 50 * time.Millisecond
	const attempts = 8
	for attempt := 1; ; attempt++ {
		_, err = conn.Exec(ctx, stmt)
		if err == nil {
			return nil
		}
		var pgErr *pgconn.PgError
		// 55006 object_in_use: "source database ... is being accessed by other users".
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" || attempt == attempts {
			return fmt.Errorf("error creating database %s from template %s: %w", name, tpl, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("error creating database %s from template %s: %w", name, tpl, errors.Join(err, ctx.Err()))
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// dropDatabase drops database name, disconnecting anyone still connected so a leaked connection in a test
// cannot keep its database alive.
func dropDatabase(ctx context.Context, admin, name string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("error connecting to %s: %w", redact(admin), err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("error dropping database %s: %w", name, err)
	}
	return nil
}

// withDatabase returns admin with its database replaced by name, keeping host, user and options.
func withDatabase(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("error parsing %s: want a postgres:// URL, got %q", envURL, redact(admin))
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// advisoryKey maps a template name to a 64-bit advisory lock key.
func advisoryKey(name string) int64 {
	sum := sha256.Sum256([]byte("homekeep testdb lock " + name))
	return int64(binary.BigEndian.Uint64(sum[:8])) //nolint:gosec // G115: any 64 bits make a key; wrapping is fine
}

// redact hides a password in a database URL so it can go into test output.
func redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		// Do not echo something unparseable: it may be a keyword/value string with a password in it.
		if strings.Contains(dbURL, "password") {
			return "(unparseable URL)"
		}
		return dbURL
	}
	return u.Redacted()
}

// randomHex returns n random bytes as hex, for names that must not collide across parallel tests and
// processes.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return hex.EncodeToString(b)
}

package testdb

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/db"
)

// connect opens a connection to dbURL that is closed when the test ends.
func connect(t *testing.T, dbURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	require.NoError(t, err, "connecting to %s", redact(dbURL))
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// databaseExists reports whether pg_database has a database called name.
func databaseExists(t *testing.T, name string) bool {
	t.Helper()
	// Not connect(): this also runs inside cleanups, after t.Context() is cancelled.
	conn, err := pgx.Connect(context.Background(), adminURL())
	require.NoError(t, err, "connecting to the admin database")
	defer conn.Close(context.Background())
	var exists bool
	err = conn.QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	require.NoError(t, err, "looking up database %s", name)
	return exists
}

// databaseName returns the database a URL from New points at.
func databaseName(t *testing.T, dbURL string) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(dbURL)
	require.NoError(t, err, "parsing %s", redact(dbURL))
	return cfg.Database
}

func TestNewGivesEveryParallelTestItsOwnDatabase(t *testing.T) {
	t.Parallel()

	var names sync.Map
	for i := range 6 {
		t.Run(fmt.Sprintf("test%d", i), func(t *testing.T) {
			t.Parallel()
			dbURL := New(t)
			name := databaseName(t, dbURL)
			require.True(t, strings.HasPrefix(name, clonePrefix), "database name: got %q, want prefix %q", name, clonePrefix)
			_, dup := names.LoadOrStore(name, i)
			require.False(t, dup, "database %s was handed to more than one test", name)

			// Every test writes the same unique value; if any two shared a database, one insert would fail.
			conn := connect(t, dbURL)
			_, err := conn.Exec(t.Context(), "INSERT INTO residence_types (name) VALUES ('House')")
			require.NoError(t, err, "inserting into this test's database")
			var n int
			require.NoError(t, conn.QueryRow(t.Context(), "SELECT count(*) FROM residence_types").Scan(&n))
			require.Equal(t, 1, n, "rows in this test's residence_types")
		})
	}
}

func TestNewDatabasesDoNotShareWrites(t *testing.T) {
	t.Parallel()

	first, second := connect(t, New(t)), connect(t, New(t))
	require.NotEqual(t, first.Config().Database, second.Config().Database, "two calls to New returned the same database")

	_, err := first.Exec(t.Context(), "INSERT INTO task_categories (name) VALUES ('HVAC')")
	require.NoError(t, err, "inserting into the first database")

	var n int
	require.NoError(t, second.QueryRow(t.Context(), "SELECT count(*) FROM task_categories").Scan(&n))
	require.Equal(t, 0, n, "rows in the second database after writing to the first")
}

func TestNewAppliesEveryMigration(t *testing.T) {
	t.Parallel()

	files, err := fs.Glob(db.Migrations(), "*.sql")
	require.NoError(t, err, "listing the embedded migrations")
	require.NotEmpty(t, files, "embedded migrations")

	conn := connect(t, New(t))
	var applied int
	err = conn.QueryRow(t.Context(),
		"SELECT count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0 AND is_applied").Scan(&applied)
	require.NoError(t, err, "reading goose_db_version")
	require.Equal(t, len(files), applied, "migrations recorded in goose_db_version (files: %v)", files)

	var tables int
	err = conn.QueryRow(t.Context(),
		"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'residence_types'").Scan(&tables)
	require.NoError(t, err, "looking for a migrated table")
	require.Equal(t, 1, tables, "residence_types tables after migrating")
}

func TestNewDropsTheDatabaseWhenTheTestEnds(t *testing.T) {
	t.Parallel()

	var name string
	// Registered before New, so it runs after New's cleanup has dropped the database.
	t.Cleanup(func() {
		require.NotEmpty(t, name, "New never returned")
		require.False(t, databaseExists(t, name), "database %s still exists after the test ended", name)
	})
	name = databaseName(t, New(t))
	require.True(t, databaseExists(t, name), "database %s right after New", name)
}

func TestPoolIsUsableAndClosedBeforeTheDrop(t *testing.T) {
	t.Parallel()

	var name string
	t.Cleanup(func() {
		require.False(t, databaseExists(t, name), "database %s still exists after the test ended", name)
	})
	pool := Pool(t)
	name = pool.Config().ConnConfig.Database
	var one int
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT 1").Scan(&one), "querying through the pool")
	require.Equal(t, 1, one, "SELECT 1 through the pool")
}

func TestTemplateNameFollowsTheMigrations(t *testing.T) {
	t.Parallel()

	base := fstest.MapFS{
		"00001_a.sql": {Data: []byte("-- +goose Up\nCREATE TABLE a (id int);\n")},
		"00002_b.sql": {Data: []byte("-- +goose Up\nCREATE TABLE b (id int);\n")},
	}
	baseName, err := templateName(base)
	require.NoError(t, err, "hashing the base migrations")
	require.Regexp(t, `^homekeep_tpl_[0-9a-f]{12}$`, baseName, "template name")
	require.LessOrEqual(t, len(baseName), 63, "template name must fit Postgres's identifier limit")

	tests := []struct {
		name       string
		migrations fstest.MapFS
		wantSame   bool
	}{
		{name: "identical migrations share the template", migrations: fstest.MapFS{
			"00001_a.sql": base["00001_a.sql"], "00002_b.sql": base["00002_b.sql"],
		}, wantSame: true},
		{name: "an edited migration gets a new template", migrations: fstest.MapFS{
			"00001_a.sql": base["00001_a.sql"], "00002_b.sql": {Data: []byte("-- +goose Up\nCREATE TABLE b (id bigint);\n")},
		}},
		{name: "an added migration gets a new template", migrations: fstest.MapFS{
			"00001_a.sql": base["00001_a.sql"], "00002_b.sql": base["00002_b.sql"],
			"00003_c.sql": {Data: []byte("-- +goose Up\nCREATE TABLE c (id int);\n")},
		}},
		{name: "a renamed migration gets a new template", migrations: fstest.MapFS{
			"00001_a.sql": base["00001_a.sql"], "00003_b.sql": base["00002_b.sql"],
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := templateName(tt.migrations)
			require.NoError(t, err, "hashing the migrations")
			if tt.wantSame {
				require.Equal(t, baseName, got, "template name")
			} else {
				require.NotEqual(t, baseName, got, "template name")
			}
		})
	}
}

func TestTemplateIsMarkedCompleteAndClosedToConnections(t *testing.T) {
	t.Parallel()

	tpl, err := template()
	require.NoError(t, err, "preparing the template")
	conn := connect(t, adminURL())
	var comment *string
	var allowConn bool
	err = conn.QueryRow(t.Context(),
		"SELECT shobj_description(oid, 'pg_database'), datallowconn FROM pg_database WHERE datname = $1", tpl).
		Scan(&comment, &allowConn)
	require.NoError(t, err, "looking up template %s", tpl)
	require.NotNil(t, comment, "template %s has no completion marker", tpl)
	require.Equal(t, completeMarker, *comment, "template %s comment", tpl)
	require.False(t, allowConn, "template %s accepts connections", tpl)
}

func TestEnsureTemplateRebuildsAHalfBuiltTemplate(t *testing.T) {
	t.Parallel()

	// A name of its own, so this test never touches the template other tests are cloning.
	name := templatePrefix + "rebuild_" + randomHex(6)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		require.NoError(t, dropDatabase(ctx, adminURL(), name), "dropping this test's template")
	})

	// What a crash mid-migration leaves: the database exists, without the completion marker, and with a
	// table the migrations don't create.
	_, err := connect(t, adminURL()).Exec(t.Context(), "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(t, err, "creating a half-built template")
	halfURL, err := withDatabase(adminURL(), name)
	require.NoError(t, err, "building the half-built template's URL")
	half := connect(t, halfURL)
	_, err = half.Exec(t.Context(), "CREATE TABLE leftover (id int)")
	require.NoError(t, err, "creating a leftover table")
	require.NoError(t, half.Close(t.Context()), "closing the half-built template")

	require.NoError(t, ensureTemplate(t.Context(), adminURL(), name), "ensuring the template")

	clone := clonePrefix + randomHex(8)
	require.NoError(t, cloneTemplate(t.Context(), adminURL(), name, clone), "cloning the rebuilt template")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		require.NoError(t, dropDatabase(ctx, adminURL(), clone), "dropping the clone")
	})
	cloneURL, err := withDatabase(adminURL(), clone)
	require.NoError(t, err, "building the clone's URL")
	conn := connect(t, cloneURL)

	var leftover, migrated bool
	err = conn.QueryRow(t.Context(), "SELECT to_regclass('leftover') IS NOT NULL, to_regclass('goose_db_version') IS NOT NULL").
		Scan(&leftover, &migrated)
	require.NoError(t, err, "inspecting the clone")
	require.False(t, leftover, "the half-built template's leftover table survived the rebuild")
	require.True(t, migrated, "the rebuilt template has no goose_db_version table")
}

func TestWithDatabaseRejectsKeywordValueStrings(t *testing.T) {
	t.Parallel()

	_, err := withDatabase("host=localhost user=postgres", "x")
	require.ErrorContains(t, err, envURL, "error for a keyword/value connection string")
}

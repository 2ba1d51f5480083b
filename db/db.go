// Package db embeds the goose migrations so the homekeep binary carries its own schema.
package db

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the goose SQL migrations, rooted so that files sit at the top level.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time; this cannot fail
	}
	return sub
}

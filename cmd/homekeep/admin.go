package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/homekeep/homekeep/internal/app/admin"
)

// maxPasswordInput bounds what `admin create` reads from stdin: a password is one line, far shorter.
const maxPasswordInput = 4 << 10

// adminCmd runs `homekeep admin create --email E --role R`, reading the password from stdin (one line, so it
// never appears in the process list or the shell history): `homekeep admin create ... < file`, or typed.
func adminCmd(ctx context.Context, args []string, env lookupFunc, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("admin", adminSynopsis, stdout, stderr)
	email := fs.String("email", "", "the admin's email address (required)")
	role := fs.String("role", "", "owner, admin or viewer (required)")
	if len(args) == 0 || args[0] != "create" {
		fs.Usage()
		return errUsage
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 || *email == "" || *role == "" {
		fs.Usage()
		return errUsage
	}
	r, ok := admin.ParseRole(*role)
	if !ok {
		return fmt.Errorf("--role: want owner, admin or viewer, got %q", *role)
	}
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	op, err := openOperator(ctx, env, stderr)
	if err != nil {
		return err
	}
	defer op.Close()
	if err := op.CreateAdmin(ctx, *email, r, password); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "admin %s created with role %s\n", *email, r)
	return nil
}

const adminSynopsis = `admin create --email EMAIL --role owner|admin|viewer < password

Creates an account for the admin API (/api/admin), separate from app users. The password is the first line
of stdin and must be at least 8 characters.`

// readPassword reads the first line of r, without its line ending, and refuses an empty or short one.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, maxPasswordInput)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("error reading the password from stdin: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", errors.New("no password on stdin: pipe or type it, e.g. homekeep admin create ... < password-file")
	}
	if len([]rune(password)) < admin.MinPasswordLength {
		return "", admin.ErrPasswordTooShort
	}
	return password, nil
}
